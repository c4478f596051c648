"""Donchian channel breakout with an ATR stop.

Rules, per symbol, on each closed candle (after `warmup_candles()` candles):
- the channel is the highest high and lowest low of the `channel` candles before this one;
- flat: a close above the channel's top answers OPEN_LONG, below its bottom OPEN_SHORT (when
  `allow_shorts`);
- held: the stop trails the best close since the position was first seen by `atr_mult` x ATR
  (`atr_window` candles); a close through it answers CLOSE. A breakout the other way flips (when
  shorts are allowed; a long only closes).
"""

from __future__ import annotations

import attrs

from bot_v2.domain.market import Candle
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.indicators import AverageTrueRange, Donchian
from bot_v2.features.live_trade.strategies.breakout.params import BreakoutParams
from bot_v2.features.live_trade.strategies.plots import Plot, channel


@attrs.define
class _SymbolState:
    channel: Donchian
    atr: AverageTrueRange
    hold: Signal
    # The side whose best close is tracked, and that close.
    tracked: Side | None = None
    best: float = 0.0


class BreakoutStrategy:
    name = "breakout"
    independent_symbols = True  # each symbol from its own state: fast mode probes it
    params_type = BreakoutParams

    def __init__(self, params: BreakoutParams) -> None:
        self.params = params
        self._mult = float(params.atr_mult)
        self._states: dict[str, _SymbolState] = {}

    def warmup_candles(self) -> int:
        # The channel is of the candles before this one.
        return max(self.params.channel, self.params.atr_window) + 1

    def plots(self) -> tuple[Plot, ...]:
        """The channel of the candles before each one, which a close breaks out of."""
        return (channel(self.params.channel, prior=True),)

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        state = self._state(candle.symbol)
        high, low, close = float(candle.high), float(candle.low), float(candle.close)
        ready = state.channel.full
        upper, lower = (state.channel.upper, state.channel.lower) if ready else (0.0, 0.0)
        atr = state.atr.update(high, low, close)
        state.channel.update(high, low)
        side = position.side
        self._track(state, side, close)
        if not ready or atr is None:
            return state.hold
        up, down = close > upper, close < lower
        shorts = self.params.allow_shorts
        symbol = candle.symbol
        if side is None:
            if up:
                return Signal(symbol, Action.OPEN_LONG, f"breakout above {upper:g}")
            if down and shorts:
                return Signal(symbol, Action.OPEN_SHORT, f"breakout below {lower:g}")
            return state.hold
        if side is Side.BUY:
            if down and shorts:
                return Signal(symbol, Action.OPEN_SHORT, f"breakout below {lower:g}")
            if down or close <= state.best - self._mult * atr:
                return Signal(symbol, Action.CLOSE, f"atr stop from {state.best:g}")
            return state.hold
        if up:
            return Signal(symbol, Action.OPEN_LONG, f"breakout above {upper:g}")
        if close >= state.best + self._mult * atr:
            return Signal(symbol, Action.CLOSE, f"atr stop from {state.best:g}")
        return state.hold

    @staticmethod
    def _track(state: _SymbolState, side: Side | None, close: float) -> None:
        """The best close since the held position was first seen (dropped when flat)."""
        if side is not state.tracked:
            state.tracked = side
            state.best = close
        elif side is Side.BUY:
            state.best = max(state.best, close)
        elif side is Side.SELL:
            state.best = min(state.best, close)

    def _state(self, symbol: str) -> _SymbolState:
        state = self._states.get(symbol)
        if state is None:
            state = _SymbolState(
                Donchian(self.params.channel),
                AverageTrueRange(self.params.atr_window),
                Signal(symbol, Action.HOLD),
            )
            self._states[symbol] = state
        return state
