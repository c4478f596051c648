"""One [[strategies]] slot's parameters changed at run time: the slot named by label or index,
validated exactly like the config file (the same one line as loading the same value), what makes
the slot refused, and a changed slot swapped into the running book while the others keep theirs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot_v2.domain.errors import ConfigError
from bot_v2.domain.market import Candle
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.strategies.portfolio import PerCandle, Slot, StrategyBook
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.orchestration import factories
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.runtime.slot_change import (
    changed_slot_keys,
    revised_slot,
    slot_index,
    warmed_slot,
)
from bot_v2.orchestration.runtime.strategy_change import handed, merged, revised

from ._support import errors, load, write

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
SLOTS = f"""[bot]
symbols = ["{BTC}", "{ETH}"]

[[strategies]]
name = "breakout"
label = "btc-break"
symbols = ["{BTC}"]
allocation = 0.5

[[strategies]]
name = "momentum"
symbols = ["{ETH}"]
allocation = 0.5
[strategies.params]
lookback = 48
"""


@pytest.fixture
def slotted(tmp_path: Path) -> tuple[BotConfig, Path]:
    path = write(tmp_path, SLOTS)
    return load(config_file=path).config, path


def refused(config: BotConfig, slot: str | int, params: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        revised_slot(config, slot_index(config, slot), params)
    return caught.value.lines


def test_a_slot_is_named_by_its_label_or_its_index(slotted: tuple[BotConfig, Path]) -> None:
    config, _ = slotted
    assert slot_index(config, "btc-break") == 0
    assert slot_index(config, "momentum") == 1  # no label: the strategy's name
    assert slot_index(config, 1) == 1
    for wrong in ("eth", 2, -1):
        with pytest.raises(ConfigError) as caught:
            slot_index(config, wrong)
        assert caught.value.lines == [
            f"slot: no slot {wrong!r}; slots: 0 (btc-break), 1 (momentum)"
        ]
    with pytest.raises(ConfigError) as caught:
        slot_index(load().config, 0)
    assert caught.value.lines == ["slot: this bot runs one [strategy], no [[strategies]] slots"]


@pytest.mark.parametrize(
    ("key", "value", "toml"),
    [("lookback", 0, "0"), ("lookback", "x", '"x"'), ("lookbak", 3, "3"), ("vol_window", 1, "1")],
)
def test_a_bad_value_gets_the_line_the_config_file_gets(
    slotted: tuple[BotConfig, Path], tmp_path: Path, key: str, value: object, toml: str
) -> None:
    config, _ = slotted
    bad = write(tmp_path, SLOTS.replace("lookback = 48", f"{key} = {toml}"), "bad.toml")
    expected = errors(config_file=bad)
    assert len(expected) == 1
    assert refused(config, "momentum", {key: value}) == expected


def test_the_config_files_line_for_a_bad_lookback(slotted: tuple[BotConfig, Path]) -> None:
    config, _ = slotted
    assert refused(config, 1, {"lookback": 0}) == [
        "config.strategies[1].params.lookback: must be >= 1, got 0"
    ]
    assert refused(config, 1, {"lookbak": 3}) == [
        "config.strategies[1].params.lookbak: unknown key"
    ]


def test_what_a_slot_is_changes_only_at_the_next_start(slotted: tuple[BotConfig, Path]) -> None:
    config, _ = slotted
    for key in ("name", "symbols", "allocation", "label", "file"):
        assert refused(config, 0, {key: "x"}) == [
            f"config.strategies[0].{key}: changes only at the next start"
        ]
    assert refused(config, 0, {}) == [
        "config.strategies[0].params: name at least one parameter to change"
    ]


def test_strategy_params_without_a_slot_are_refused_when_slots_run(
    slotted: tuple[BotConfig, Path],
) -> None:
    config, _ = slotted
    with pytest.raises(ConfigError) as caught:
        revised(config, {"lookback": 10})
    assert len(caught.value.lines) == 1
    assert caught.value.lines[0].startswith("config.strategy.params: this bot runs [[strategies]]")
    # The shared keys of [strategy] still change.
    shared = revised(config, {"position_fraction": "0.1"})
    assert shared.strategy.position_fraction == Decimal("0.1")
    assert shared.strategies == config.strategies


def test_a_valid_change_touches_that_slot_alone_and_is_idempotent(
    slotted: tuple[BotConfig, Path],
) -> None:
    config, _ = slotted
    after = revised_slot(config, 1, {"lookback": 96})
    assert after.strategies[1].params == {"lookback": 96}
    assert after.strategies[0] == config.strategies[0]
    assert after.strategy == config.strategy and after.risk == config.risk
    assert changed_slot_keys(config, after, 1) == {"lookback": "96"}
    # The same value again, even written as text, changes nothing.
    again = revised_slot(after, 1, {"lookback": 96})
    assert changed_slot_keys(after, again, 1) == {}


def test_a_member_table_merges_key_by_key() -> None:
    old = {"members": "momentum,breakout", "momentum": {"lookback": 96, "vol_window": 10}}
    assert merged(old, {"momentum": {"lookback": 12}}) == {
        "members": "momentum,breakout",
        "momentum": {"lookback": 12, "vol_window": 10},
    }


def candle(symbol: str, i: int, close: int) -> Candle:
    price = Decimal(close)
    return Candle(symbol, 60_000, i * 60_000, price, price, price, price, Decimal(1))


def test_with_slots_swaps_one_slot_and_keeps_the_others_views(
    slotted: tuple[BotConfig, Path],
) -> None:
    config, _ = slotted
    book = factories.strategy(config)
    assert isinstance(book, StrategyBook)
    for i in range(5):
        book.decide([candle(BTC, i, 100 + i), candle(ETH, i, 50 + i)], (i + 1) * 60_000, {})
    after = revised_slot(config, 1, {"lookback": 96})
    fresh = factories.strategy(after)
    assert isinstance(fresh, StrategyBook)
    swapped = book.with_slots(StrategyBook([fresh.slots[1]]))
    assert swapped.slots[0] is book.slots[0]
    mom = swapped.slots[1].strategy
    assert isinstance(mom, PerCandle) and mom.inner.params.lookback == 96  # type: ignore[attr-defined]
    assert swapped._views["btc-break"] is book._views["btc-break"]
    assert swapped._views["btc-break"].count(BTC) == 5
    stray = Slot("x", (ETH,), Decimal("0.5"), mom)
    with pytest.raises(ValueError, match="no slot labelled 'x'"):
        book.with_slots(StrategyBook([stray]))


def test_an_ensemble_members_table_changes_key_by_key(tmp_path: Path) -> None:
    text = (
        f'[bot]\nsymbols = ["{BTC}"]\n[[strategies]]\nname = "ensemble"\nsymbols = ["{BTC}"]\n'
        '[strategies.params]\nmembers = "momentum,breakout"\n'
        "[strategies.params.momentum]\nlookback = 96\nvol_window = 10\n"
    )
    config = load(config_file=write(tmp_path, text)).config
    after = revised_slot(config, 0, {"momentum": {"lookback": 12}})
    assert after.strategies[0].params["momentum"] == {"lookback": 12, "vol_window": 10}
    assert changed_slot_keys(config, after, 0) == {"momentum.lookback": "12"}
    assert refused(config, 0, {"momentum": {"lookback": 0}}) == [
        "config.strategies[0].params.momentum.lookback: must be >= 1, got 0"
    ]
    # A member's first table: the member was running on its defaults.
    first = revised_slot(config, 0, {"breakout": {"channel": 30}})
    assert changed_slot_keys(config, first, 0) == {"breakout.channel": "30"}


def test_the_new_slot_is_warmed_on_what_the_cycle_handed_not_on_this_cycles_candles(
    slotted: tuple[BotConfig, Path],
) -> None:
    """Controls apply after the cycle ingested its candles and before the strategies see them: the
    new strategy is warmed up on the earlier ones, and this cycle's reach it through the cycle."""
    config, _ = slotted
    market = MarketDataService((BTC, ETH), 60_000)
    market.ingest([candle(s, i, 100 + i) for i in range(6) for s in (BTC, ETH)])
    market.ingest([candle(BTC, 6, 106), candle(ETH, 6, 56)])  # this cycle's
    assert {s: len(c) for s, c in handed(market, (BTC, ETH)).items()} == {BTC: 6, ETH: 6}
    after = revised_slot(config, 1, {"lookback": 3})
    fresh = warmed_slot(after, 1, market, Ledger(Decimal(1000)))
    view = fresh._views["momentum"]
    assert view.symbols == (ETH,)
    assert view.count(ETH) == 6 and view.now_ms == 6 * 60_000
