"""plots(): what a strategy draws over the price is what it trades on. Each declaration, evaluated
over whole columns, equals the strategy's own running indicator candle by candle (NaN exactly
where that indicator had no value yet), and the built-in strategies declare theirs with their own
windows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.features.live_trade.indicators import Donchian, RollingMean
from bot_v2.features.live_trade.strategies.plots import (
    Average,
    Bands,
    ChangeBand,
    Channel,
    bands,
    change_band,
    channel,
    ema,
    plots_of,
    sma,
)
from bot_v2.features.live_trade.strategies.registry import build_strategy

prices = st.lists(
    st.floats(min_value=1.0, max_value=100_000.0, allow_nan=False), min_size=0, max_size=80
)
windows = st.integers(min_value=1, max_value=30)


def columns(closes: list[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    close = np.asarray(closes, dtype=np.float64)
    # Highs and lows around the close, different per candle, so a channel is not the close's.
    spread = (np.arange(len(close)) % 7 + 1) * 0.01 * close
    return close + spread, close - spread, close


def same(line: np.ndarray, expected: list[float | None]) -> None:
    assert len(line) == len(expected)
    for got, want in zip(line.tolist(), expected, strict=True):
        if want is None:
            assert math.isnan(got)
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(prices, windows)
def test_the_sma_is_the_running_mean_the_strategies_use(closes: list[float], window: int) -> None:
    high, low, close = columns(closes)
    (line,) = sma(window).lines(high, low, close)
    running = RollingMean(window)
    same(line.values, [running.update(c) for c in closes])
    assert line.name == f"SMA {window}"


@settings(max_examples=60, deadline=None)
@given(prices, windows)
def test_the_prior_channel_is_the_breakouts_donchian_before_the_candle(
    closes: list[float], window: int
) -> None:
    high, low, close = columns(closes)
    upper, lower = channel(window, prior=True).lines(high, low, close)
    donchian = Donchian(window)
    want_upper: list[float | None] = []
    want_lower: list[float | None] = []
    for h, lo in zip(high.tolist(), low.tolist(), strict=True):
        # As BreakoutStrategy.on_candle: the channel is read before this candle joins it.
        want_upper.append(donchian.upper if donchian.full else None)
        want_lower.append(donchian.lower if donchian.full else None)
        donchian.update(h, lo)
    same(upper.values, want_upper)
    same(lower.values, want_lower)


@settings(max_examples=60, deadline=None)
@given(prices, windows)
def test_a_channel_with_the_candle_includes_it(closes: list[float], window: int) -> None:
    high, low, close = columns(closes)
    upper, lower = channel(window, prior=False).lines(high, low, close)
    n = len(closes)
    same(
        upper.values,
        [max(high[i - window + 1 : i + 1]) if i >= window - 1 else None for i in range(n)],
    )
    same(
        lower.values,
        [min(low[i - window + 1 : i + 1]) if i >= window - 1 else None for i in range(n)],
    )


@settings(max_examples=60, deadline=None)
@given(prices, windows, st.floats(min_value=0.5, max_value=3.0))
def test_bands_are_the_mean_and_population_deviation(
    closes: list[float], window: int, width: float
) -> None:
    high, low, close = columns(closes)
    upper, mid, lower = bands(window, width).lines(high, low, close)
    n = len(closes)
    for i in range(n):
        if i < window - 1:
            assert math.isnan(mid.values[i]) and math.isnan(upper.values[i])
            continue
        part = close[i - window + 1 : i + 1]
        mean, std = float(part.mean()), float(part.std())
        scale = max(1.0, float(np.abs(part).max()))
        assert mid.values[i] == pytest.approx(mean, rel=1e-9)
        # The running form (E[x^2] - E[x]^2) loses digits to cancellation: compare on the price scale.
        assert abs(upper.values[i] - (mean + width * std)) <= 1e-4 * scale
        assert abs(lower.values[i] - (mean - width * std)) <= 1e-4 * scale


@settings(max_examples=60, deadline=None)
@given(prices, windows, st.floats(min_value=0.0, max_value=0.2))
def test_the_change_band_is_where_the_rate_of_change_crosses_the_threshold(
    closes: list[float], lookback: int, fraction: float
) -> None:
    high, low, close = columns(closes)
    upper, lower = change_band(lookback, fraction).lines(high, low, close)
    for i, c in enumerate(closes):
        if i < lookback:
            assert math.isnan(upper.values[i]) and math.isnan(lower.values[i])
            continue
        roc = c / closes[i - lookback] - 1
        # Above the upper line exactly when the rate of change is above the threshold.
        if abs(roc - fraction) > 1e-9:
            assert (c > upper.values[i]) == (roc > fraction)
        if abs(roc + fraction) > 1e-9:
            assert (c < lower.values[i]) == (roc < -fraction)


def test_the_ema_starts_from_the_first_windows_mean() -> None:
    close = np.asarray([1.0, 2.0, 3.0, 4.0, 5.0])
    (line,) = ema(3).lines(close, close, close)
    same(line.values, [None, None, 2.0, 3.0, 4.0])


def test_a_window_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="window must be >= 1, got 0"):
        sma(0)
    with pytest.raises(ValueError):
        Average(3, "wma")


def test_the_built_in_strategies_draw_what_they_trade_on() -> None:
    baseline = build_strategy("baseline")
    assert plots_of(baseline) == (Average(12), Average(48))
    momentum = build_strategy("momentum")
    assert plots_of(momentum) == (ChangeBand(48, 0.01),)
    assert plots_of(build_strategy("breakout")) == (Channel(20, prior=True),)
    assert plots_of(build_strategy("mean_reversion")) == (Bands(20, 2.0),)
    assert Bands(20).lines(np.ones(3), np.ones(3), np.ones(3))[0].name == "BB 20 x2 upper"


def test_a_strategy_without_plots_draws_none() -> None:
    class Plain:
        name = "plain"

    assert plots_of(Plain()) == ()
