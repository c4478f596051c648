"""mean_reversion, volatility_expansion and regime: chosen by name with their params, they trade,
and fast mode (no twin: every candle runs) gives exactly the fills of step mode on random walks and
on the bundled year of BTC and ETH."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.orchestration.backtest.synthetic import random_walk
from tests.integration.backtest._support import both, bundled_year, config, feed, trace

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
DATA = "bundled:binance_usdm"


def chosen(name: str, *params: str) -> tuple[str, ...]:
    return (f'strategy.name="{name}"', *(f"strategy.params.{p}" for p in params))


def shorts(allowed: bool) -> str:
    return f"allow_shorts={'true' if allowed else 'false'}"


def identical_on_a_walk(seed: int, *overrides: str) -> None:
    columns = [random_walk(BTC, 1200, seed=seed, volatility=0.003)]
    step, fast = both(config([BTC], "1m", *overrides), feed(columns, {}))
    assert step.broker.exchange.state.fills  # it trades: identical fills are not two empty lists
    assert trace(fast) == trace(step)


settings_ = settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings_
@given(
    seed=st.integers(0, 10_000),
    window=st.integers(10, 40),  # |z| of the latest close is at most sqrt(window - 1)
    entry_z=st.sampled_from(["1", "1.5", "2"]),
    allowed=st.booleans(),
)
def test_mean_reversion_walks_give_identical_fills(
    seed: int, window: int, entry_z: str, allowed: bool
) -> None:
    identical_on_a_walk(
        seed,
        *chosen(
            "mean_reversion",
            f"window={window}",
            f"entry_z={entry_z}",
            "rsi_window=6",
            "rsi_low=40",
            "rsi_high=60",
            shorts(allowed),
        ),
    )


@settings_
@given(
    seed=st.integers(0, 10_000),
    window=st.integers(10, 20),
    kc_mult=st.sampled_from(["1.5", "2"]),
    allowed=st.booleans(),
)
def test_volatility_expansion_walks_give_identical_fills(
    seed: int, window: int, kc_mult: str, allowed: bool
) -> None:
    identical_on_a_walk(
        seed,
        *chosen(
            "volatility_expansion",
            f"window={window}",
            "atr_window=10",
            f"kc_mult={kc_mult}",
            "squeeze_bars=2",
            shorts(allowed),
        ),
    )


@settings_
@given(
    seed=st.integers(0, 10_000),
    adx_window=st.integers(3, 20),
    trend_adx=st.sampled_from(["15", "25", "40"]),
    allowed=st.booleans(),
)
def test_regime_walks_give_identical_fills(
    seed: int, adx_window: int, trend_adx: str, allowed: bool
) -> None:
    identical_on_a_walk(
        seed,
        *chosen(
            "regime",
            f"adx_window={adx_window}",
            f"trend_adx={trend_adx}",
            "vol_window=10",
            "rank_window=200",
            "range_window=20",
            "range_z=1.5",
            shorts(allowed),
        ),
    )


@pytest.mark.parametrize("name", ["mean_reversion", "volatility_expansion", "regime"])
def test_the_bundled_year_trades_with_identical_fills(name: str) -> None:
    data = bundled_year()
    step, fast = both(config([BTC, ETH], data.timeframe, f'strategy.name="{name}"'), data.feed)
    assert len(step.broker.exchange.state.fills) > 20
    assert trace(fast) == trace(step)
