"""Regime switching: follow a trend, fade a range, stand aside in turbulence (RegimeDetector).

Rules, per symbol, on each closed candle (after `warmup_candles()` candles):
- TURBULENT: a held position closes; no entry;
- TREND: be on the trend's side (+DI against -DI): OPEN_LONG / OPEN_SHORT (when `allow_shorts`;
  a long whose trend turns down only closes);
- RANGE: the close's z-score over `range_window` at or below -`range_z` answers OPEN_LONG, at or
  above `range_z` OPEN_SHORT; a held position closes back at the mean (z through 0).
"""

from __future__ import annotations

import attrs

from bot_v2.domain.market import Candle
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.indicators import RollingZScore
from bot_v2.features.live_trade.strategies.plots import Plot, bands
from bot_v2.features.live_trade.strategies.regime.detector import Regime, RegimeDetector
from bot_v2.features.live_trade.strategies.regime.params import RegimeParams


@attrs.define
class _SymbolState:
    detector: RegimeDetector
    z: RollingZScore
    hold: Signal


class RegimeStrategy:
    name = "regime"
    independent_symbols = True  # each symbol from its own state: fast mode probes it
    params_type = RegimeParams

    def __init__(self, params: RegimeParams) -> None:
        self.params = params
        self._range_z = float(params.range_z)
        self._states: dict[str, _SymbolState] = {}

    def detector(self) -> RegimeDetector:
        """A detector with these params (one per symbol: it keeps that symbol's history)."""
        p = self.params
        return RegimeDetector(
            adx_window=p.adx_window,
            trend_adx=float(p.trend_adx),
            vol_window=p.vol_window,
            rank_window=p.rank_window,
            turbulent_pct=float(p.turbulent_pct),
        )

    def plots(self) -> tuple[Plot, ...]:
        """Where a range is faded: |z| >= range_z is a close outside these bands, and their mean
        the exit. (The ADX that tells trend from range is on another scale: not drawn over price.)"""
        p = self.params
        return (bands(p.range_window, self._range_z, f"Range {p.range_window} z{self._range_z:g}"),)

    def warmup_candles(self) -> int:
        return max(self.detector().warmup_candles(), self.params.range_window)

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        state = self._state(candle.symbol)
        close = float(candle.close)
        reading = state.detector.update(float(candle.high), float(candle.low), close)
        z = state.z.update(close)
        if reading is None or z is None:
            return state.hold
        symbol, side = candle.symbol, position.side
        shorts = self.params.allow_shorts
        if reading.regime is Regime.TURBULENT:
            if side is not None:
                return Signal(symbol, Action.CLOSE, f"turbulent (vol rank {reading.vol_rank:.2f})")
            return state.hold
        if reading.regime is Regime.TREND:
            want = reading.direction
            why = f"trend (adx {reading.adx:.0f})"
            if want is Side.BUY and side is not Side.BUY:
                return Signal(symbol, Action.OPEN_LONG, why)
            if want is Side.SELL and side is not Side.SELL:
                if shorts:
                    return Signal(symbol, Action.OPEN_SHORT, why)
                if side is Side.BUY:
                    return Signal(symbol, Action.CLOSE, why)
            return state.hold
        if z <= -self._range_z and side is not Side.BUY:
            return Signal(symbol, Action.OPEN_LONG, f"range low (z {z:.2f})")
        if z >= self._range_z and side is not Side.SELL and shorts:
            return Signal(symbol, Action.OPEN_SHORT, f"range high (z {z:.2f})")
        if (side is Side.BUY and z >= 0) or (side is Side.SELL and z <= 0):
            return Signal(symbol, Action.CLOSE, f"range: back at the mean (z {z:.2f})")
        return state.hold

    def _state(self, symbol: str) -> _SymbolState:
        state = self._states.get(symbol)
        if state is None:
            state = _SymbolState(
                self.detector(),
                RollingZScore(self.params.range_window),
                Signal(symbol, Action.HOLD),
            )
            self._states[symbol] = state
        return state
