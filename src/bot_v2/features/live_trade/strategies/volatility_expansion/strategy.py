"""Volatility expansion: when the Bollinger band has been squeezed inside the Keltner channel, the
market is coiled; trade the close that breaks out of the channel.

Rules, per symbol, on each closed candle (after `warmup_candles()` candles):
- squeezed: Bollinger(`window`, `bb_mult`) lies inside Keltner(`window`, `atr_window`, `kc_mult`)
  (both its ends);
- armed: once the squeeze has lasted `squeeze_bars` candles, until `window` candles after it ends
  or until a break is traded;
- a close above the Keltner channel while armed answers OPEN_LONG, below it OPEN_SHORT (when
  `allow_shorts`); an opposite break flips a held position;
- held: a close back through the Keltner mean (its EMA) against the position answers CLOSE.
"""

from __future__ import annotations

import attrs

from bot_v2.domain.market import Candle
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.indicators import Bollinger, Keltner
from bot_v2.features.live_trade.strategies.plots import Plot, bands, keltner
from bot_v2.features.live_trade.strategies.volatility_expansion.params import (
    VolatilityExpansionParams,
)


@attrs.define
class _SymbolState:
    bollinger: Bollinger
    keltner: Keltner
    hold: Signal
    # Consecutive squeezed candles, and candles left in which a break is traded.
    run: int = 0
    armed: int = 0


class VolatilityExpansionStrategy:
    name = "volatility_expansion"
    independent_symbols = True  # each symbol from its own state: fast mode probes it
    params_type = VolatilityExpansionParams

    def __init__(self, params: VolatilityExpansionParams) -> None:
        self.params = params
        self._states: dict[str, _SymbolState] = {}

    def plots(self) -> tuple[Plot, ...]:
        """The squeeze is the Bollinger band inside the Keltner channel; a close out of the channel
        is the break, back through its mean the exit."""
        p = self.params
        return (
            bands(p.window, float(p.bb_mult)),
            keltner(p.window, p.atr_window, float(p.kc_mult)),
        )

    def warmup_candles(self) -> int:
        return max(self.params.window, self.params.atr_window) + self.params.squeeze_bars

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        state = self._state(candle.symbol)
        close = float(candle.close)
        bb = state.bollinger.update(close)
        kc = state.keltner.update(float(candle.high), float(candle.low), close)
        if bb is None or kc is None:
            return state.hold
        if bb.upper < kc.upper and bb.lower > kc.lower:
            state.run += 1
            if state.run >= self.params.squeeze_bars:
                state.armed = self.params.window
        else:
            state.run = 0
        armed = state.armed > 0
        if armed and not state.run:
            state.armed -= 1  # counts down once the squeeze is over
        symbol, side = candle.symbol, position.side
        if armed and close > kc.upper and side is not Side.BUY:
            state.armed = 0
            return Signal(symbol, Action.OPEN_LONG, f"break above {kc.upper:g} after a squeeze")
        if armed and close < kc.lower and side is not Side.SELL and self.params.allow_shorts:
            state.armed = 0
            return Signal(symbol, Action.OPEN_SHORT, f"break below {kc.lower:g} after a squeeze")
        if (side is Side.BUY and close < kc.mid) or (side is Side.SELL and close > kc.mid):
            return Signal(symbol, Action.CLOSE, f"back through the mean {kc.mid:g}")
        return state.hold

    def _state(self, symbol: str) -> _SymbolState:
        state = self._states.get(symbol)
        if state is None:
            p = self.params
            state = _SymbolState(
                Bollinger(p.window, float(p.bb_mult)),
                Keltner(p.window, p.atr_window, float(p.kc_mult)),
                Signal(symbol, Action.HOLD),
            )
            self._states[symbol] = state
        return state
