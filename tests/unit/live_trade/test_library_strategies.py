"""The rules of mean_reversion, volatility_expansion and regime on hand-made candles, and the
RegimeDetector's three readings."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from bot_v2.domain.market import Candle
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.features.live_trade.strategies.mean_reversion import (
    MeanReversionParams,
    MeanReversionStrategy,
)
from bot_v2.features.live_trade.strategies.regime import (
    Regime,
    RegimeDetector,
    RegimeParams,
    RegimeStrategy,
)
from bot_v2.features.live_trade.strategies.volatility_expansion import (
    VolatilityExpansionParams,
    VolatilityExpansionStrategy,
)
from tests.unit.live_trade._support import HOUR_MS, SYMBOL, act, actions, follow

OPEN_LONG, OPEN_SHORT, CLOSE = Action.OPEN_LONG, Action.OPEN_SHORT, Action.CLOSE


def follow_bars(strategy: Strategy, rows: Sequence[tuple[float, float, float]]) -> list[Signal]:
    """`follow` with (high, low, close) candles."""
    position = Position(SYMBOL)
    out = []
    for i, (high, low, close) in enumerate(rows):
        h, lo, c = (Decimal(str(v)) for v in (high, low, close))
        bar = Candle(SYMBOL, HOUR_MS, i * HOUR_MS, c, h, lo, c, Decimal(1))
        signal = strategy.on_candle(bar, position)
        out.append(signal)
        position = act(position, signal.action, c)
    return out


def reversion(**kw: object) -> MeanReversionStrategy:
    base: dict[str, object] = {"window": 5, "entry_z": Decimal("1.5"), "rsi_window": 3}
    return MeanReversionStrategy(MeanReversionParams(**(base | kw)))  # type: ignore[arg-type]


def test_mean_reversion_buys_a_stretched_drop_and_sells_at_the_mean() -> None:
    # The drop to 90: z -2 over [100 x4, 90], RSI 0; 95 is still below the mean; 100 is above it.
    signals = follow(reversion(), [100] * 6 + [90, 95, 100])
    assert actions(signals) == [(6, OPEN_LONG), (8, CLOSE)]
    spike = follow(reversion(), [100] * 6 + [110, 105, 100])
    assert actions(spike) == [(6, OPEN_SHORT), (8, CLOSE)]
    assert actions(follow(reversion(allow_shorts=False), [100] * 6 + [110, 105, 100])) == []


def test_mean_reversion_waits_for_the_rsi() -> None:
    # A drop after a rally: z -1.55 but RSI 31 (> 30), not stretched enough.
    closes = [100, 102, 104, 106, 108, 110, 101]
    assert actions(follow(reversion(), closes)) == []
    assert actions(follow(reversion(rsi_low=Decimal(35)), closes)) == [(6, OPEN_LONG)]


def squeeze_rows(n: int) -> list[tuple[float, float, float]]:
    """Closes within 0.1 on wide candles: a tiny deviation inside a wide ATR, squeezed."""
    return [
        (100 + 0.1 * (i % 2) + 2, 100 + 0.1 * (i % 2) - 2, 100 + 0.1 * (i % 2)) for i in range(n)
    ]


def expansion(**kw: object) -> VolatilityExpansionStrategy:
    base: dict[str, object] = {"window": 5, "atr_window": 5, "squeeze_bars": 3}
    return VolatilityExpansionStrategy(VolatilityExpansionParams(**(base | kw)))  # type: ignore[arg-type]


def test_volatility_expansion_trades_the_break_after_a_squeeze() -> None:
    rows = [*squeeze_rows(10), (120.0, 100.0, 120.0), (100.0, 100.0, 100.0)]
    assert actions(follow_bars(expansion(), rows)) == [(10, OPEN_LONG), (11, CLOSE)]
    down = [*squeeze_rows(10), (100.0, 80.0, 80.0), (100.0, 100.0, 100.0)]
    assert actions(follow_bars(expansion(), down)) == [(10, OPEN_SHORT), (11, CLOSE)]


def test_volatility_expansion_ignores_a_break_without_a_squeeze() -> None:
    # Closes swinging 95/105 on bare candles: std 5 (band +-10) against ATR 10 (channel +-5 at
    # half an ATR): the band is never inside the channel.
    swings = [(c, c, c) for c in [95.0, 105.0] * 5]
    rows = [*swings, (130.0, 105.0, 130.0)]
    assert actions(follow_bars(expansion(kc_mult=Decimal("0.5")), rows)) == []
    # Too short a squeeze arms nothing.
    squeezed = [*squeeze_rows(10), (120.0, 100.0, 120.0)]
    assert actions(follow_bars(expansion(squeeze_bars=50), squeezed)) == []


def walk(steps: np.ndarray, start: float = 100.0) -> list[float]:
    return (start * np.exp(np.cumsum(steps))).tolist()


def calming(n: int, drift: float, alternate: bool) -> np.ndarray:
    """Steps whose size shrinks (volatility falls: never turbulent), trending or alternating."""
    size = np.linspace(0.02, 0.005, n)
    sign = np.where(np.arange(n) % 2 == 0, 1.0, -1.0) if alternate else np.ones(n)
    return drift + size * sign * (0.5 if not alternate else 1.0)


def readings(detector: RegimeDetector, closes: list[float]) -> list[Regime | None]:
    out = []
    for c in closes:
        reading = detector.update(c, c, c)
        out.append(reading and reading.regime)
    return out


def small_detector() -> RegimeDetector:
    # An even ADX window: alternating moves give it as many up as down.
    return RegimeDetector(adx_window=4, vol_window=3, rank_window=10, turbulent_pct=0.9)


def test_the_detector_tells_trend_range_and_turbulence() -> None:
    climb = walk(calming(40, 0.0, alternate=False))
    got = readings(small_detector(), climb)
    assert got[-1] is Regime.TREND
    detector = small_detector()
    detector_readings = readings(detector, walk(calming(40, 0.0, alternate=True)))
    assert detector_readings[-1] is Regime.RANGE
    assert detector.value is not None and detector.value.adx < 25
    # A shock after the calm range: volatility at the top of its last 10 readings.
    last = walk(calming(40, 0.0, alternate=True))
    assert readings(detector, [last[-1] * 1.2])[-1] is Regime.TURBULENT
    trend = small_detector()
    readings(trend, climb)
    assert trend.value is not None and trend.value.direction is Side.BUY
    assert small_detector().warmup_candles() == 13


def test_the_regime_strategy_follows_a_trend_and_stands_aside_in_turbulence() -> None:
    params = RegimeParams(adx_window=4, vol_window=3, rank_window=10, range_window=5)
    strategy = RegimeStrategy(params)
    climb = walk(calming(40, 0.0, alternate=False))
    signals = follow(strategy, [*climb, climb[-1] * 0.7])
    acted = actions(signals)
    assert acted[0][1] is OPEN_LONG
    assert acted[-1] == (40, CLOSE)  # the crash is turbulent: out
    assert "turbulent" in signals[-1].reason
