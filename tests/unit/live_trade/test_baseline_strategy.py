from __future__ import annotations

import csv
from decimal import Decimal
from importlib import resources
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.domain.market import Candle
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action
from bot_v2.features.live_trade.indicators import rolling_mean
from bot_v2.features.live_trade.strategies.baseline import BaselineParams, BaselineStrategy
from bot_v2.features.live_trade.strategies.registry import STRATEGIES, build_strategy

from ._support import SYMBOL, actions, candle, follow

D = Decimal
HOLD, LONG, SHORT, CLOSE = Action.HOLD, Action.OPEN_LONG, Action.OPEN_SHORT, Action.CLOSE

# Windows 2 and 4. The first 5 closes put the short SMA below the long one (no crossover: it is the
# first side seen); the close of 12 at index 5 crosses above (short 10.5, long 10.25).
UP_AT_5 = [10, 10, 10, 10, 9, 12]


def strategy(confirm: int = 0, stop: str = "0", shorts: bool = True) -> BaselineStrategy:
    return BaselineStrategy(BaselineParams(2, 4, confirm, D(stop), shorts))


# --- crossovers and confirmation -----------------------------------------------------------------


def test_no_signal_during_warmup_or_on_the_first_side_seen() -> None:
    signals = follow(strategy(), UP_AT_5[:5])
    assert actions(signals) == []
    assert strategy().warmup_candles() == 5


def test_cross_up_opens_long_on_the_crossing_candle_without_confirmation() -> None:
    signals = follow(strategy(confirm=0), [*UP_AT_5, 12, 12])
    assert actions(signals) == [(5, LONG)]
    assert signals[5].reason == "ma cross up"


@pytest.mark.parametrize("confirm", [1, 2, 3])
def test_cross_up_waits_for_confirmation_bars(confirm: int) -> None:
    signals = follow(strategy(confirm=confirm), [*UP_AT_5, 12, 12, 12, 12])
    assert actions(signals) == [(5 + confirm, LONG)]
    plural = "s" if confirm > 1 else ""
    assert signals[5 + confirm].reason == f"ma cross up confirmed {confirm} bar{plural}"


def test_a_cross_that_does_not_hold_through_confirmation_never_enters() -> None:
    # Crosses up at 5, back down at 6 (short 8, long 9.75): the long is never confirmed.
    signals = follow(strategy(confirm=1, shorts=False), [*UP_AT_5, 4, 4, 4])
    assert actions(signals) == []


def test_cross_down_closes_a_long_at_once_and_opens_short_after_confirmation() -> None:
    closes = [*UP_AT_5, 12, 12, 12, 6, 6, 6]
    signals = follow(strategy(confirm=1), closes)
    assert actions(signals) == [(6, LONG), (9, CLOSE), (10, SHORT)]
    assert signals[9].reason == "ma cross down"
    assert signals[10].reason == "ma cross down confirmed 1 bar"


def test_cross_down_without_confirmation_goes_straight_to_short() -> None:
    signals = follow(strategy(confirm=0), [*UP_AT_5, 12, 12, 6, 6])
    assert actions(signals) == [(5, LONG), (8, SHORT)]


def test_without_shorts_a_cross_down_only_closes() -> None:
    signals = follow(strategy(confirm=0, shorts=False), [*UP_AT_5, 12, 12, 6, 6, 6])
    assert actions(signals) == [(5, LONG), (8, CLOSE)]


def test_a_short_is_closed_by_a_cross_up() -> None:
    # Down at 5 (6 < mean), then up at 8.
    signals = follow(strategy(confirm=0), [10, 10, 10, 10, 11, 6, 6, 6, 14, 14])
    assert actions(signals) == [(5, SHORT), (8, LONG)]


def test_a_rejected_entry_is_asked_again_while_flat() -> None:
    strat = strategy(confirm=0)
    flat = Position(SYMBOL)
    got = [strat.on_candle(candle(c, i), flat).action for i, c in enumerate([*UP_AT_5, 13, 14])]
    assert got[5:] == [LONG, LONG, LONG]


def test_an_entry_is_spent_once_taken_no_reentry_after_an_outside_close() -> None:
    strat = strategy(confirm=0)
    for i, c in enumerate(UP_AT_5):
        strat.on_candle(candle(c, i), Position(SYMBOL))
    long = Position(SYMBOL, D(1), D(12))
    assert strat.on_candle(candle(13, 6), long).action is HOLD
    # Someone else closed it: the strategy does not buy again until a fresh crossover.
    assert strat.on_candle(candle(14, 7), Position(SYMBOL)).action is HOLD


def test_symbols_keep_separate_state() -> None:
    strat = strategy(confirm=0)
    eth = "ETH/USDT:USDT"
    got = []
    for i, c in enumerate(UP_AT_5):
        got.append(strat.on_candle(candle(c, i), Position(SYMBOL)).action)
        strat.on_candle(candle(100, i, eth), Position(eth))
    assert got[5] is LONG


# --- trailing stop -------------------------------------------------------------------------------


def test_trailing_stop_closes_a_long_at_the_candle_that_retraces_the_percentage() -> None:
    # Windows 2/10 so the retrace does not cross the averages. Crosses up at 11 (close 12), best
    # close 40; 5% below is 38: 38.05 holds, 38 stops. The rise after that is no fresh crossover.
    closes = [*[10] * 10, 9, 12, 15, 20, 25, 30, 35, 40, 39, 38.5, 38.05, 38, 41, 42]
    signals = follow(BaselineStrategy(BaselineParams(2, 10, 0, D("0.05"))), closes)
    assert actions(signals) == [(11, LONG), (21, CLOSE)]
    assert signals[21].reason == "trailing stop 5% from 40"


def test_a_stop_and_a_cross_on_the_same_candle_close_first_then_follow_the_cross() -> None:
    # At index 10 the close of 19 is 5% below 20 and also crosses the averages down.
    closes = [*UP_AT_5, 15, 20, 19.5, 19.05, 19, 18]
    signals = follow(strategy(confirm=0, stop="0.05"), closes)
    assert actions(signals) == [(5, LONG), (10, CLOSE), (11, SHORT)]
    assert signals[10].reason.startswith("trailing stop")


def test_trailing_stop_closes_a_short_on_a_bounce_from_the_lowest_close() -> None:
    closes = [10, 10, 10, 10, 11, 6, 5, 4, 4.19, 4.2, 3]
    signals = follow(strategy(confirm=0, stop="0.05"), closes)
    assert actions(signals) == [(5, SHORT), (9, CLOSE)]
    assert signals[9].reason == "trailing stop 5% from 4"


def test_trailing_stop_counts_from_the_entry_price_of_the_position_passed_in() -> None:
    strat = strategy(stop="0.1")
    # A long held from before the strategy started (a restart): entry 100, no candle above it.
    assert strat.on_candle(candle(95, 0), Position(SYMBOL, D(1), D(100))).action is HOLD
    stop = strat.on_candle(candle(90, 1), Position(SYMBOL, D(1), D(100)))
    assert (stop.action, stop.reason) == (CLOSE, "trailing stop 10% from 100")
    # Still open on the next candle (the close did not fill): ask again.
    again = strat.on_candle(candle(99, 2), Position(SYMBOL, D(1), D(100)))
    assert again.action is CLOSE


def test_zero_trailing_stop_never_stops() -> None:
    closes = [*UP_AT_5, 50, 13, 12.5]  # a 75% retrace, still above the long SMA? no matter
    signals = follow(strategy(confirm=0, stop="0", shorts=False), closes)
    assert all("trailing" not in s.reason for s in signals)


# --- against a vectorized reference --------------------------------------------------------------


def reference_entries(closes: list[int], confirm: int) -> list[tuple[int, Action]]:
    """Entries from the rules written over whole arrays: a crossing at c that holds through c+confirm
    enters at c+confirm."""
    short = rolling_mean(np.array(closes, dtype=np.float64), 2)
    long = rolling_mean(np.array(closes, dtype=np.float64), 4)
    sides: list[int] = []  # +1 above, -1 below, carried through ties, 0 before known
    for s, lo in zip(short, long, strict=True):
        prev = sides[-1] if sides else 0
        sides.append(prev if np.isnan(lo) or s == lo else (1 if s > lo else -1))
    entries = []
    for c in range(1, len(closes)):
        if sides[c - 1] != 0 and sides[c] != sides[c - 1]:
            end = c + confirm
            if end < len(closes) and all(x == sides[c] for x in sides[c : end + 1]):
                entries.append((end, LONG if sides[c] > 0 else SHORT))
    return entries


@settings(max_examples=200)
@given(st.lists(st.integers(1, 30), max_size=60), st.integers(0, 3))
def test_entries_match_the_vectorized_reference(closes: list[int], confirm: int) -> None:
    signals = follow(strategy(confirm=confirm), closes)
    entries = [(i, a) for i, a in actions(signals) if a in (LONG, SHORT)]
    assert entries == reference_entries(closes, confirm)


# --- registry ------------------------------------------------------------------------------------


def test_registry_builds_baseline_from_its_params() -> None:
    params = BaselineParams(5, 20, 2, D("0.03"), False)
    built = build_strategy("baseline", params)
    assert isinstance(built, BaselineStrategy)
    assert built.params == params
    assert STRATEGIES["baseline"] is BaselineStrategy


def test_registry_defaults_when_no_params_are_given() -> None:
    built = build_strategy("baseline")
    assert isinstance(built, BaselineStrategy)
    assert built.params == BaselineParams()
    assert built.warmup_candles() == 49


def test_unknown_strategy_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown strategy 'nope'; known: baseline, breakout, "):
        build_strategy("nope")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"short_window": 50, "long_window": 48}, "short_window .50. must be < long_window"),
        ({"short_window": 0}, "short_window must be >= 1"),
        ({"confirmation_bars": -1}, "confirmation_bars must be >= 0"),
        ({"trailing_stop_pct": D("1.5")}, "trailing_stop_pct must be < 1, got 1.5"),
    ],
)
def test_bad_params_raise_one_clear_value_error(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BaselineParams(**params)


# --- on the bundled real data --------------------------------------------------------------------


def btc_2024() -> list[Candle]:
    data = resources.files("bot_v2.resources") / "data/binance_usdm/1h/BTCUSDT-1h-2024.csv"
    rows = list(csv.DictReader(data.read_text().splitlines()))
    return [
        Candle(
            SYMBOL,
            3_600_000,
            int(row["timestamp_ms"]),
            *(D(row[k]) for k in ("open", "high", "low", "close", "volume")),
        )
        for row in rows
    ]


def test_default_params_trade_the_2024_btc_hours() -> None:
    candles = btc_2024()
    assert len(candles) > 8000
    built = build_strategy("baseline")
    signals = follow(built, [c.close for c in candles])
    taken = [a for _, a in actions(signals)]
    stops = [s for s in signals if s.reason.startswith("trailing stop")]
    assert taken.count(LONG) >= 20
    assert taken.count(SHORT) >= 20
    assert taken.count(CLOSE) >= 20
    assert len(stops) >= 3
