"""The momentum and breakout built-ins: chosen by name with their params, they trade, and fast
mode (no twin: every candle runs) gives exactly the fills of step mode on random walks and on the
bundled year."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.orchestration.backtest.synthetic import random_walk
from tests.integration.backtest._support import both, bundled_year, config, feed, trace

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
DATA = "bundled:binance_usdm"


def momentum(*params: str) -> tuple[str, ...]:
    return ('strategy.name="momentum"', *(f"strategy.params.{p}" for p in params))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    lookback=st.integers(2, 60),
    threshold=st.sampled_from(["0", "0.002", "0.01"]),
    shorts=st.booleans(),
)
def test_random_walks_give_identical_fills(
    seed: int, lookback: int, threshold: str, shorts: bool
) -> None:
    columns = [random_walk(BTC, 1200, seed=seed, volatility=0.003)]
    cfg = config(
        [BTC],
        "1m",
        *momentum(
            f"lookback={lookback}",
            f"threshold_pct={threshold}",
            "vol_window=20",
            "max_volatility_pct=0.01",
            f"allow_shorts={'true' if shorts else 'false'}",
        ),
    )
    step, fast = both(cfg, feed(columns, {}))
    assert step.broker.exchange.state.fills  # it trades: identical fills are not two empty lists
    assert trace(fast) == trace(step)


def test_bundled_year_trades_with_identical_fills() -> None:
    data = bundled_year()
    step, fast = both(config([BTC, ETH], data.timeframe, *momentum("lookback=24")), data.feed)
    assert len(step.broker.exchange.state.fills) > 20
    assert trace(fast) == trace(step)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    channel=st.integers(2, 60),
    mult=st.sampled_from(["0.5", "2", "5"]),
    shorts=st.booleans(),
)
def test_breakout_random_walks_give_identical_fills(
    seed: int, channel: int, mult: str, shorts: bool
) -> None:
    columns = [random_walk(BTC, 1200, seed=seed, volatility=0.003)]
    params = (f"channel={channel}", "atr_window=14", f"atr_mult={mult}")
    shorts_set = f"strategy.params.allow_shorts={'true' if shorts else 'false'}"
    cfg = config([BTC], "1m", 'strategy.name="breakout"', *(f"strategy.params.{p}" for p in params),
                 shorts_set)  # fmt: skip
    step, fast = both(cfg, feed(columns, {}))
    assert step.broker.exchange.state.fills
    assert trace(fast) == trace(step)


def test_breakout_bundled_year_trades_with_identical_fills() -> None:
    data = bundled_year()
    cfg = config([BTC, ETH], data.timeframe, 'strategy.name="breakout"')
    step, fast = both(cfg, data.feed)
    assert len(step.broker.exchange.state.fills) > 20
    assert trace(fast) == trace(step)
