"""Several strategies in one bot: slots of pairs and ensemble over two symbols trade, and fast mode
gives exactly the fills of step mode on random walks and on the bundled year."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.orchestration.backtest.report import format_summary, summary_document
from bot_v2.orchestration.backtest.results import measure
from bot_v2.orchestration.backtest.synthetic import random_walk
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.config.models import BotConfig
from tests.integration.backtest._support import both, bundled_year, feed, run, trace

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
DATA = "bundled:binance_usdm"


def slots_config(tmp: Path, timeframe: str, slots: str) -> BotConfig:
    path = tmp / "slots.toml"
    path.write_text(
        f'[bot]\nsymbols = ["{BTC}", "{ETH}"]\ntimeframe = "{timeframe}"\n{slots}', encoding="utf-8"
    )
    return load_config("dev", path, {}, []).config


def bundled() -> object:
    return bundled_year()


PAIRS = f"""
[[strategies]]
name = "pairs"
symbols = ["{BTC}", "{ETH}"]
allocation = 0.8
[strategies.params]
window = {{window}}
entry_z = {{entry}}
"""


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), window=st.integers(10, 60), entry=st.sampled_from(["1", "2"]))
def test_pairs_random_walks_give_identical_fills(
    tmp_path_factory: object, seed: int, window: int, entry: str
) -> None:
    tmp = tmp_path_factory.mktemp("pairs")  # type: ignore[attr-defined]
    columns = [
        random_walk(BTC, 800, seed=seed, volatility=0.003),
        random_walk(ETH, 800, seed=seed + 1, volatility=0.003),
    ]
    cfg = slots_config(tmp, "1m", PAIRS.format(window=window, entry=entry))
    step, fast = both(cfg, feed(columns, {}))
    fills = step.broker.exchange.state.fills
    assert fills
    # Both legs trade: every decision moved the two symbols together.
    assert {f.symbol for f in fills} == {BTC, ETH}
    assert trace(fast) == trace(step)


def test_pairs_bundled_year_opens_and_closes_both_legs_together(tmp_path: Path) -> None:
    data = bundled()
    cfg = slots_config(tmp_path, "1h", PAIRS.format(window=168, entry=2))
    step, fast = both(cfg, data.feed)  # type: ignore[attr-defined]
    fills = step.broker.exchange.state.fills
    assert len(fills) > 20
    by_time: dict[int, set[str]] = {}
    for fill in fills:
        by_time.setdefault(fill.timestamp_ms, set()).add(fill.symbol)
    # Legs fill at the same instant (a drawdown halt's flatten may close one alone).
    together = sum(1 for symbols in by_time.values() if symbols == {BTC, ETH})
    assert together >= 0.9 * len(by_time)
    assert trace(fast) == trace(step)


def test_two_slots_ensemble_and_momentum_bundled_year_identical_fills(tmp_path: Path) -> None:
    data = bundled()
    slots = f"""
[[strategies]]
name = "ensemble"
label = "btc-vote"
symbols = ["{BTC}"]
allocation = 0.5
[strategies.params]
members = "momentum,breakout"
threshold = 0.5

[[strategies]]
name = "momentum"
symbols = ["{ETH}"]
allocation = 0.5
[strategies.params]
lookback = 24
"""
    step, fast = both(slots_config(tmp_path, "1h", slots), data.feed)  # type: ignore[attr-defined]
    fills = step.broker.exchange.state.fills
    assert {f.symbol for f in fills} == {BTC, ETH}
    assert trace(fast) == trace(step)
    # Each slot's results apart, adding up to the run's.
    metrics, _, trades = measure(step, "1h")
    vote, mom = metrics.slots
    assert (vote.spec.label, mom.spec.label) == ("btc-vote", "momentum")
    assert vote.spec.symbols == (BTC,) and mom.spec.allocation == Decimal("0.5")
    assert vote.trades == sum(1 for t in trades if t.symbol == BTC) > 0
    assert vote.trades + mom.trades == metrics.trades
    assert vote.net_pnl + mom.net_pnl == sum((t.net for t in trades), Decimal(0))
    assert 0 < vote.exposure <= 1 and 0 < mom.exposure <= 1
    assert Decimal(str(metrics.exposure)) >= max(vote.exposure, mom.exposure) - Decimal("1e-6")
    document = summary_document(metrics, [])
    assert [s["label"] for s in document["slots"]] == ["btc-vote", "momentum"]
    assert "slot btc-vote" in format_summary(metrics)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), name=st.sampled_from(["momentum", "baseline", "ensemble"]))
def test_one_slot_with_all_the_equity_trades_as_the_strategy_alone(
    tmp_path_factory: object, seed: int, name: str
) -> None:
    tmp = tmp_path_factory.mktemp("one")  # type: ignore[attr-defined]
    columns = [
        random_walk(BTC, 600, seed=seed, volatility=0.004),
        random_walk(ETH, 600, seed=seed + 7, volatility=0.004),
    ]
    market = feed(columns, {})
    params = "[strategies.params]\nlookback = 6\n" if name == "momentum" else ""
    slot = f'[[strategies]]\nname = "{name}"\nsymbols = ["{BTC}", "{ETH}"]\n{params}'
    alone = slots_config(tmp, "1m", f'[strategy]\nname = "{name}"\n')
    if name == "momentum":
        alone = slots_config(
            tmp, "1m", f'[strategy]\nname = "{name}"\n[strategy.params]\nlookback = 6\n'
        )
    booked = slots_config(tmp, "1m", slot)
    single = run(alone, market, "step")
    assert single.broker.exchange.state.fills
    assert trace(run(booked, market, "step")) == trace(single)
    assert trace(run(booked, market, "fast")) == trace(single)
