"""plots() of volatility_expansion, regime, pairs and ensemble: each draws what the strategy trades on.
The Keltner declaration equals the running Keltner channel candle by candle (NaN exactly where it
had no value yet); the regime's bands are where its range z-score crosses range_z; the pairs spread
z-score is the strategy's own reading; the ensemble draws its members' declarations."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.features.live_trade.indicators import Bollinger, Keltner, RollingZScore
from bot_v2.features.live_trade.strategies.ensemble import EnsembleParams
from bot_v2.features.live_trade.strategies.pairs.strategy import spread_z as pair_spread_z
from bot_v2.features.live_trade.strategies.plots import (
    Average,
    Bands,
    ChangeBand,
    Channel,
    KeltnerBands,
    SpreadZ,
    keltner,
    plots_of,
)
from bot_v2.features.live_trade.strategies.regime import RegimeParams
from bot_v2.features.live_trade.strategies.registry import build_strategy
from bot_v2.features.live_trade.strategies.volatility_expansion import VolatilityExpansionParams

prices = st.lists(
    st.floats(min_value=1.0, max_value=100_000.0, allow_nan=False), min_size=0, max_size=80
)
windows = st.integers(min_value=1, max_value=30)


def columns(closes: list[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    close = np.asarray(closes, dtype=np.float64)
    # Highs and lows around the close, different per candle, so the true range is not constant.
    spread = (np.arange(len(close)) % 7 + 1) * 0.01 * close
    return close + spread, close - spread, close


def close_to(got: float, want: float | None, scale: float) -> None:
    if want is None:
        assert math.isnan(got)
    else:
        # Window sums lose digits to cancellation: compare on the price scale.
        assert abs(got - want) <= 1e-6 * scale


@settings(max_examples=60, deadline=None)
@given(prices, windows, windows, st.floats(min_value=0.5, max_value=3.0))
def test_the_keltner_declaration_is_the_running_keltner_channel(
    closes: list[float], window: int, atr_window: int, width: float
) -> None:
    high, low, close = columns(closes)
    upper, mid, lower = keltner(window, atr_window, width).lines(high, low, close)
    running = Keltner(window, atr_window, width)
    scale = max([1.0, *closes])
    for i in range(len(closes)):
        kc = running.update(float(high[i]), float(low[i]), float(close[i]))
        close_to(upper.values[i], None if kc is None else kc.upper, scale)
        close_to(mid.values[i], None if kc is None else kc.mid, scale)
        close_to(lower.values[i], None if kc is None else kc.lower, scale)
    assert upper.name == f"KC {window}/{atr_window} x{width:g} upper"


@settings(max_examples=40, deadline=None)
@given(prices, st.integers(2, 30), st.integers(1, 30), st.integers(1, 30))
def test_volatility_expansion_draws_its_own_bollinger_and_keltner(
    closes: list[float], window: int, atr_window: int, tenths: int
) -> None:
    params = VolatilityExpansionParams(
        window=window,
        bb_mult=Decimal(tenths) / 10,
        atr_window=atr_window,
        kc_mult=Decimal(tenths + 5) / 10,
    )
    strategy = build_strategy("volatility_expansion", params)
    high, low, close = columns(closes)
    bb_decl, kc_decl = plots_of(strategy)
    bb_upper, bb_mid, bb_lower = bb_decl.lines(high, low, close)
    kc_upper, _, kc_lower = kc_decl.lines(high, low, close)
    # The indicators on_candle compares, built from the same params.
    bollinger = Bollinger(window, float(params.bb_mult))
    kelt = Keltner(window, atr_window, float(params.kc_mult))
    scale = max([1.0, *closes])
    for i in range(len(closes)):
        bb = bollinger.update(float(close[i]))
        kc = kelt.update(float(high[i]), float(low[i]), float(close[i]))
        close_to(bb_mid.values[i], None if bb is None else bb.mid, scale)
        # Bollinger's deviation: the running form and the drawn one differ by cancellation only.
        if bb is not None:
            assert abs(bb_upper.values[i] - bb.upper) <= 1e-4 * scale
            assert abs(bb_lower.values[i] - bb.lower) <= 1e-4 * scale
        close_to(kc_upper.values[i], None if kc is None else kc.upper, scale)
        close_to(kc_lower.values[i], None if kc is None else kc.lower, scale)


@settings(max_examples=60, deadline=None)
@given(prices, st.integers(2, 30), st.integers(1, 40))
def test_a_close_outside_the_regimes_bands_is_a_range_z_past_range_z(
    closes: list[float], window: int, tenths: int
) -> None:
    range_z = Decimal(tenths) / 10
    strategy = build_strategy("regime", RegimeParams(range_window=window, range_z=range_z))
    high, low, close = columns(closes)
    ((upper, _mid, lower),) = (p.lines(high, low, close) for p in plots_of(strategy))
    zscore = RollingZScore(window)
    for i, c in enumerate(closes):
        z = zscore.update(c)
        if z is None:
            assert math.isnan(upper.values[i]) and math.isnan(lower.values[i])
            continue
        part = close[i - window + 1 : i + 1]
        scale = max(1.0, float(part.max()))
        if float(part.std()) <= 1e-6 * scale:
            continue  # a flat window: the strategy reads z = 0, the bands collapse on the close
        # As RegimeStrategy.on_candle: z >= range_z opens short, z <= -range_z long.
        if abs(c - upper.values[i]) > 1e-4 * scale:
            assert (c > upper.values[i]) == (z >= float(range_z))
        if abs(c - lower.values[i]) > 1e-4 * scale:
            assert (c < lower.values[i]) == (z <= -float(range_z))


def test_the_built_in_strategies_draw_what_they_trade_on() -> None:
    assert plots_of(build_strategy("volatility_expansion")) == (
        Bands(20, 2.0),
        KeltnerBands(20, 20, 1.5),
    )
    assert plots_of(build_strategy("regime")) == (Bands(20, 2.0, "Range 20 z2"),)
    # The ensemble: each member's declarations, in member order.
    assert plots_of(build_strategy("ensemble")) == (
        Average(12),
        Average(48),
        ChangeBand(48, 0.01),
        Channel(20, prior=True),
    )
    one = build_strategy("ensemble", EnsembleParams(members="breakout,momentum"))
    assert plots_of(one) == (Channel(20, prior=True), ChangeBand(48, 0.01))


def test_a_keltner_window_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="window must be >= 1, got 0"):
        keltner(20, 0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(1.0, 1_000.0), st.floats(1.0, 1_000.0)), min_size=0, max_size=60),
    st.integers(2, 20),
)
def test_the_spread_z_is_the_pairs_strategys_own_reading(
    legs: list[tuple[float, float]], window: int
) -> None:
    a = np.asarray([p for p, _ in legs], dtype=np.float64)
    b = np.asarray([q for _, q in legs], dtype=np.float64)
    z, entry_up, exit_up, exit_down, entry_down = SpreadZ(window, 2.0, 0.5).pair_lines(a, b)
    assert all(line.pane == 1 for line in (z, entry_up, exit_up, exit_down, entry_down))
    for i in range(len(legs)):
        if i < window - 1:
            assert math.isnan(z.values[i]) and math.isnan(entry_up.values[i])
            continue
        part_a, part_b = a[i - window + 1 : i + 1], b[i - window + 1 : i + 1]
        if _near_flat(part_a, part_b):
            continue  # rounding alone decides whether a constant leg or spread has a reading
        found = pair_spread_z(part_a, part_b)
        assert found is not None
        assert z.values[i] == pytest.approx(found[1], rel=1e-6, abs=1e-6)
        assert (entry_up.values[i], exit_up.values[i]) == (2.0, 0.5)
        assert (exit_down.values[i], entry_down.values[i]) == (-0.5, -2.0)


def _near_flat(a: np.ndarray, b: np.ndarray) -> bool:
    """B's log closes or the spread (nearly) constant over the window."""
    x, y = np.log(a), np.log(b)
    if float(y.std()) < 1e-6:
        return True
    y_dev = y - y.mean()
    beta = float(np.dot(x - x.mean(), y_dev)) / float(np.dot(y_dev, y_dev))
    return float((x - beta * y).std()) < 1e-6


def test_pairs_draws_its_spread_with_its_entry_and_exit_levels() -> None:
    assert plots_of(build_strategy("pairs")) == (SpreadZ(168, 2.0, 0.5),)
    # Nothing over one leg's price: the spread needs both legs.
    one = np.ones(3)
    assert SpreadZ(5).lines(one, one, one) == ()


def test_the_spread_z_is_the_same_across_its_blocks_of_windows() -> None:
    rng = np.random.default_rng(7)
    b = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 9_000)))
    a = b**1.3 * np.exp(rng.normal(0, 0.01, 9_000))
    (z, *_) = SpreadZ(30).pair_lines(a, b)
    # Every window, on either side of the blocks' edges (4096 windows each), is the strategy's.
    for i in (29, 30, 4_124, 4_125, 4_126, 8_220, 8_221, 8_999):
        found = pair_spread_z(a[i - 29 : i + 1], b[i - 29 : i + 1])
        assert found is not None and z.values[i] == pytest.approx(found[1], rel=1e-9)
    assert np.isnan(z.values[:29]).all() and not np.isnan(z.values[29:]).any()
