"""The seed system's baseline: a moving-average crossover with confirmation bars and a trailing stop.

Rules, per symbol, on each closed candle:
- Entries wait for confirmation. When the short SMA of the close crosses above the long SMA, a long
  entry is armed; once the crossing has held for `confirmation_bars` more candles (0: on the crossing
  candle) the strategy answers OPEN_LONG, and keeps answering it while flat until the position is long
  (so a rejected order is retried) or the averages cross back. A cross below arms a short entry the
  same way when `allow_shorts`. An armed entry is spent once the position takes its side: if that
  position is closed later, re-entry needs a fresh crossover.
- Exits do not wait: a position against the averages (long while short < long SMA, or short while
  above) gets CLOSE, or directly the opposite OPEN_* once that entry is confirmed (the executor flips).
- Trailing stop: from the first candle a position is seen, the best close since entry is tracked
  (starting at the entry price). A close `trailing_stop_pct` worse than that best answers CLOSE, again
  on later candles while the position is still open.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.domain.market import Candle
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.indicators import RollingMean
from bot_v2.features.live_trade.strategies.baseline.params import BaselineParams
from bot_v2.features.live_trade.strategies.plots import Plot, sma


@attrs.define
class _SymbolState:
    short: RollingMean
    long: RollingMean
    # Most candles hold: a signal is a value, so one HOLD per symbol serves them all.
    hold: Signal
    # Which side the short SMA is on (BUY = above the long SMA); None until both are known.
    regime: Side | None = None
    # Candles the regime has held since it last flipped (0 on the crossing candle).
    bars_in_regime: int = 0
    # The entry a crossover armed and no position has taken yet.
    armed: Side | None = None
    # Trailing stop: the side being tracked and its best close so far.
    tracked: Side | None = None
    best: Decimal = Decimal(0)
    # Set when the stop fired, so CLOSE repeats until the position is gone.
    stopped: Side | None = None


@attrs.frozen
class BaselineView:
    """A copy of what the strategy keeps for a symbol beyond its running averages: what a fast
    backtest reads to prove that coming candles will answer HOLD (see `BaselineStrategy.skip`)."""

    regime: Side | None
    armed: Side | None
    tracked: Side | None
    stopped: Side | None
    best: Decimal
    bars_in_regime: int

    @property
    def is_fresh(self) -> bool:
        """Nothing but the averages has moved yet (the strategy is warming up, flat)."""
        return (
            self.regime is None
            and self.armed is None
            and self.tracked is None
            and self.stopped is None
            and self.bars_in_regime == 0
        )

    def stop_best(self, position: Position, close: Decimal) -> Decimal:
        """The best close the trailing stop counts from when the next candle (closing at `close`)
        comes with `position` held: the stop's best so far, or where a new stop starts."""
        if position.side is None:
            raise ValueError("a flat position has no trailing stop")
        if self.tracked is position.side:
            return self.best
        return _stop_start(position, close)


def _stop_start(position: Position, close: Decimal) -> Decimal:
    """Where the trailing stop of a position first seen at a candle closing at `close` starts: its
    entry price, or that close when the entry is unknown."""
    return position.entry_price if position.entry_price > 0 else close


def _settle_position(state: _SymbolState, side: Side | None) -> None:
    """What the position alone changes, whatever the candle: a taken entry is spent (re-entry needs
    a fresh crossover), and a flat position drops the stop kept for the one before."""
    if side is None:
        state.tracked = None
        state.stopped = None
    elif side is state.armed:
        state.armed = None


def _follow_stop(state: _SymbolState, position: Position, side: Side, close: Decimal) -> None:
    """Move the trailing stop's best close over a candle closing at `close` (starting the stop on
    the first candle a position is seen)."""
    if state.tracked is not side:
        state.tracked = side
        state.stopped = None
        state.best = _stop_start(position, close)
    if side is Side.BUY:
        state.best = max(state.best, close)
    else:
        state.best = min(state.best, close)


def _pct(fraction: Decimal) -> str:
    return f"{(fraction * 100).normalize():f}%"


def _cross_word(side: Side) -> str:
    return "up" if side is Side.BUY else "down"


class BaselineStrategy:
    name = "baseline"
    independent_symbols = True  # each symbol from its own state: fast mode probes it
    params_type = BaselineParams

    def __init__(self, params: BaselineParams) -> None:
        self.params = params
        self._states: dict[str, _SymbolState] = {}

    def warmup_candles(self) -> int:
        # Both averages full, plus one candle to see which side of the other the short one moved to.
        return self.params.long_window + 1

    def plots(self) -> tuple[Plot, ...]:
        """The two averages whose crossings it trades (the report draws them)."""
        return (sma(self.params.short_window), sma(self.params.long_window))

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        state = self._state(candle.symbol)
        crossed = self._update_regime(state, candle)
        side = position.side
        _settle_position(state, side)
        if side is None:
            entry = self._confirmed_entry(state)
            if entry is not None:
                return self._entry_signal(candle.symbol, entry)
            return state.hold

        stop = self._trailing_stop(state, candle, position, side)
        if stop is not None:
            return stop
        if state.regime is not None and state.regime is not side:
            entry = self._confirmed_entry(state)
            if entry is not None:
                return self._entry_signal(candle.symbol, entry)
            reason = f"ma cross {_cross_word(state.regime)}"
            if not crossed:
                below = "below" if state.regime is Side.SELL else "above"
                reason = f"short ma {below} long ma"
            return Signal(candle.symbol, Action.CLOSE, reason)
        return state.hold

    def quiet_view(self, symbol: str) -> BaselineView | None:
        """What the strategy keeps for `symbol` beyond its averages; None before its first candle."""
        state = self._states.get(symbol)
        if state is None:
            return None
        return BaselineView(
            regime=state.regime,
            armed=state.armed,
            tracked=state.tracked,
            stopped=state.stopped,
            best=state.best,
            bars_in_regime=state.bars_in_regime,
        )

    def skip(
        self,
        symbol: str,
        position: Position,
        short: RollingMean,
        long: RollingMean,
        bars: int,
        best_close: Decimal | None,
    ) -> None:
        """Move the strategy over `bars` candles of `symbol` without seeing them, as `on_candle`
        would have moved it, for a backtest that has proved (from `quiet_view` and the closes) that
        each of them, with `position` held throughout, answers HOLD and leaves the regime as it is.

        `short` and `long` are the averages after those candles (taken as they are); `best_close` is
        the first best close among them for the held side (highest for a long, lowest for a short),
        None when flat. With a new position it also stands in for the first close where the stop
        starts: a stretch's best is never worse than its first close."""
        if bars < 1:
            raise ValueError(f"bars must be >= 1, got {bars}")
        side = position.side
        if side is not None and best_close is None:
            raise ValueError("a held position needs the best close of the skipped candles")
        state = self._state(symbol)
        state.short = short
        state.long = long
        if state.regime is not None:
            state.bars_in_regime += bars
        _settle_position(state, side)
        if side is not None and best_close is not None:
            _follow_stop(state, position, side, best_close)

    def _state(self, symbol: str) -> _SymbolState:
        state = self._states.get(symbol)
        if state is None:
            state = _SymbolState(
                RollingMean(self.params.short_window),
                RollingMean(self.params.long_window),
                Signal(symbol, Action.HOLD),
            )
            self._states[symbol] = state
        return state

    def _update_regime(self, state: _SymbolState, candle: Candle) -> bool:
        """Feed the close to both averages; True when this candle is a crossover."""
        close = float(candle.close)
        short = state.short.update(close)
        long = state.long.update(close)
        if short is None or long is None:
            return False
        # Equal averages keep the previous side: touching is not crossing.
        now = Side.BUY if short > long else Side.SELL if short < long else state.regime
        if now is None:
            return False  # a tie before any side is known: nothing to count yet
        if now is state.regime:
            state.bars_in_regime += 1
            return False
        first = state.regime is None
        state.regime = now
        state.bars_in_regime = 0
        if first:
            return False  # the first side seen is not a crossover
        state.armed = now if (now is Side.BUY or self.params.allow_shorts) else None
        return True

    def _confirmed_entry(self, state: _SymbolState) -> Side | None:
        if state.armed is None or state.armed is not state.regime:
            return None
        if state.bars_in_regime < self.params.confirmation_bars:
            return None
        return state.armed

    def _entry_signal(self, symbol: str, side: Side) -> Signal:
        action = Action.OPEN_LONG if side is Side.BUY else Action.OPEN_SHORT
        bars = self.params.confirmation_bars
        reason = f"ma cross {_cross_word(side)}"
        if bars:
            reason += f" confirmed {bars} bar{'s' if bars > 1 else ''}"
        return Signal(symbol, action, reason)

    def _trailing_stop(
        self, state: _SymbolState, candle: Candle, position: Position, side: Side
    ) -> Signal | None:
        pct = self.params.trailing_stop_pct
        _follow_stop(state, position, side, candle.close)
        if state.stopped is side:
            return Signal(candle.symbol, Action.CLOSE, f"trailing stop {_pct(pct)} (still open)")
        if pct <= 0:
            return None
        if side is Side.BUY:
            hit = candle.close <= state.best * (1 - pct)
        else:
            hit = candle.close >= state.best * (1 + pct)
        if not hit:
            return None
        state.stopped = side
        return Signal(
            candle.symbol,
            Action.CLOSE,
            f"trailing stop {_pct(pct)} from {state.best.normalize():f}",
        )
