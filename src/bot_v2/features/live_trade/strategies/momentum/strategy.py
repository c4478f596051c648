"""Time-series momentum: the rate of change of the close over `lookback` candles, filtered by
volatility.

Rules, per symbol, on each closed candle (after `warmup_candles()` candles):
- flat: a rate of change above `threshold_pct` answers OPEN_LONG, below -`threshold_pct` OPEN_SHORT
  (when `allow_shorts`), but only while the standard deviation of the last `vol_window` one-candle
  returns is at most `max_volatility_pct` (turbulent markets are sat out);
- long: a rate of change below -`threshold_pct` flips short (when allowed and calm), else any
  negative rate of change closes; a short mirrors it.
"""

from __future__ import annotations

import math
from collections import deque

import attrs

from bot_v2.domain.market import Candle
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.indicators import RollingMean
from bot_v2.features.live_trade.strategies.momentum.params import MomentumParams
from bot_v2.features.live_trade.strategies.plots import Plot, change_band


@attrs.define
class _SymbolState:
    closes: deque[float]
    returns: RollingMean
    squares: RollingMean
    hold: Signal


class MomentumStrategy:
    name = "momentum"
    independent_symbols = True  # each symbol from its own state: fast mode probes it
    params_type = MomentumParams

    def __init__(self, params: MomentumParams) -> None:
        self.params = params
        self._threshold = float(params.threshold_pct)
        self._max_vol = float(params.max_volatility_pct)
        self._states: dict[str, _SymbolState] = {}

    def warmup_candles(self) -> int:
        # The rate of change needs lookback + 1 closes; the volatility vol_window returns.
        return max(self.params.lookback, self.params.vol_window) + 1

    def plots(self) -> tuple[Plot, ...]:
        """The closes its rate of change enters at: the close `lookback` ago +- the threshold."""
        return (change_band(self.params.lookback, self._threshold),)

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        state = self._state(candle.symbol)
        close = float(candle.close)
        calm = self._calm(state, close)
        state.closes.append(close)
        if len(state.closes) <= self.params.lookback or calm is None:
            return state.hold
        roc = close / state.closes[0] - 1.0
        side = position.side
        up, down = roc > self._threshold, roc < -self._threshold
        shorts = self.params.allow_shorts
        if side is None:
            if calm and up:
                return Signal(candle.symbol, Action.OPEN_LONG, f"momentum up {roc:.2%}")
            if calm and down and shorts:
                return Signal(candle.symbol, Action.OPEN_SHORT, f"momentum down {roc:.2%}")
            return state.hold
        if side is Side.BUY and roc < 0:
            if calm and down and shorts:
                return Signal(candle.symbol, Action.OPEN_SHORT, f"momentum down {roc:.2%}")
            return Signal(candle.symbol, Action.CLOSE, f"momentum faded {roc:.2%}")
        if side is Side.SELL and roc > 0:
            if calm and up:
                return Signal(candle.symbol, Action.OPEN_LONG, f"momentum up {roc:.2%}")
            return Signal(candle.symbol, Action.CLOSE, f"momentum faded {roc:.2%}")
        return state.hold

    def _calm(self, state: _SymbolState, close: float) -> bool | None:
        """Feed this candle's return; whether volatility allows an entry (None: not known yet)."""
        if not state.closes:
            return None
        ret = close / state.closes[-1] - 1.0
        mean = state.returns.update(ret)
        square = state.squares.update(ret * ret)
        if mean is None or square is None:
            return None
        return math.sqrt(max(square - mean * mean, 0.0)) <= self._max_vol

    def _state(self, symbol: str) -> _SymbolState:
        state = self._states.get(symbol)
        if state is None:
            window = self.params.vol_window
            state = _SymbolState(
                deque(maxlen=self.params.lookback + 1),
                RollingMean(window),
                RollingMean(window),
                Signal(symbol, Action.HOLD),
            )
            self._states[symbol] = state
        return state
