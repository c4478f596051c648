"""Mean reversion: fade a close far from its mean when the RSI agrees it is stretched; get out at
the mean.

Rules, per symbol, on each closed candle (after `warmup_candles()` candles):
- z is the close's z-score over the last `window` closes (itself included): a close outside the
  Bollinger band of `entry_z` standard deviations is |z| > entry_z;
- flat: z <= -entry_z with RSI(`rsi_window`) <= `rsi_low` answers OPEN_LONG; z >= entry_z with
  RSI >= `rsi_high` answers OPEN_SHORT (when `allow_shorts`);
- long: the short entry flips it (when allowed); else a close back at or above the mean (z >= 0)
  closes it. A short mirrors it.
The close is in its own window, so |z| is at most sqrt(window - 1): an `entry_z` at or above that
never enters. There is no stop of its own: a move that keeps going is what `[strategy.exits]` stop-loss is for.
"""

from __future__ import annotations

import attrs

from bot_v2.domain.market import Candle
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.indicators import RelativeStrength, RollingZScore
from bot_v2.features.live_trade.strategies.mean_reversion.params import MeanReversionParams
from bot_v2.features.live_trade.strategies.plots import Plot, bands


@attrs.define
class _SymbolState:
    z: RollingZScore
    rsi: RelativeStrength
    hold: Signal


class MeanReversionStrategy:
    name = "mean_reversion"
    independent_symbols = True  # each symbol from its own state: fast mode probes it
    params_type = MeanReversionParams

    def __init__(self, params: MeanReversionParams) -> None:
        self.params = params
        self._entry = float(params.entry_z)
        self._low = float(params.rsi_low)
        self._high = float(params.rsi_high)
        self._states: dict[str, _SymbolState] = {}

    def plots(self) -> tuple[Plot, ...]:
        """The band a close must leave to enter (|z| > entry_z) and its mean, the exit."""
        return (bands(self.params.window, self._entry),)

    def warmup_candles(self) -> int:
        # The RSI needs rsi_window changes, i.e. one close more.
        return max(self.params.window, self.params.rsi_window + 1)

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        state = self._state(candle.symbol)
        close = float(candle.close)
        z = state.z.update(close)
        rsi = state.rsi.update(close)
        if z is None or rsi is None:
            return state.hold
        symbol, side = candle.symbol, position.side
        cheap = z <= -self._entry and rsi <= self._low
        rich = z >= self._entry and rsi >= self._high and self.params.allow_shorts
        if cheap and side is not Side.BUY:
            return Signal(symbol, Action.OPEN_LONG, f"z {z:.2f} rsi {rsi:.0f}")
        if rich and side is not Side.SELL:
            return Signal(symbol, Action.OPEN_SHORT, f"z {z:.2f} rsi {rsi:.0f}")
        if (side is Side.BUY and z >= 0) or (side is Side.SELL and z <= 0):
            return Signal(symbol, Action.CLOSE, f"back at the mean (z {z:.2f})")
        return state.hold

    def _state(self, symbol: str) -> _SymbolState:
        state = self._states.get(symbol)
        if state is None:
            state = _SymbolState(
                RollingZScore(self.params.window),
                RelativeStrength(self.params.rsi_window),
                Signal(symbol, Action.HOLD),
            )
            self._states[symbol] = state
        return state
