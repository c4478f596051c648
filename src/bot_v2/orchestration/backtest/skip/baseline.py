"""BaselineSkipper: the vectorized pre-pass for the baseline strategy (moving-average crossover with
confirmation and a trailing stop), and the state moves that stand in for the candles it skips.

The pre-pass computes both moving averages over the whole series with numpy and marks, per candle,
which side the short one is on. With `rolling.MeanTrack` these are the strategy's own values, bit for
bit, so only exact ties are left to the strategy; without it (see below) a candle where the two are
so close that float rounding could decide the side (a relative gap under 1e-9) is *uncertain*: it
is never skipped, the strategy's own incremental averages decide it. A candle may be skipped only when, with the position unchanged, the
strategy provably answers HOLD and changes nothing but its running numbers:
- its regime is known and the candle is certainly on that same side (no crossover);
- flat: no entry armed (what the strategy tracked for an earlier position is dropped, as it would
  drop it);
- holding: the position is on the regime's side, no other entry armed, no stop pending for it, and
  the trailing stop is certainly not hit (from its best close so far, or from the entry price when
  the strategy has not seen this position yet, exactly as it would start it).
Everything else goes through the strategy itself. Over skipped candles the state moves exactly as
`on_candle` would move it: both rolling means take the closes, the regime's bar count grows, the
trailing stop's best close follows the closes.

Rolling means are put straight into the state the strategy's RollingMean would have reached, from
states precomputed with numpy (`rolling.MeanTrack`, which proves itself against RollingMean first).
Without that proof they are moved with RollingMean itself: fed the skipped closes, or for a long
stretch rebuilt from the closes since its last exact resync (after a resync a RollingMean is a
function of its window alone), which agrees bit for bit too.

The strategy's per-symbol state is read and written here (`_states`): the one place outside the
strategy that knows its shape. A strategy that moved this logic into itself would need no skipper.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt

from bot_v2.adapters.replay.columns import FloatArray, exact
from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.indicators import RollingMean, rolling_mean
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.features.live_trade.strategies.baseline import BaselineStrategy, _SymbolState
from bot_v2.orchestration.backtest.skip.rolling import MeanTrack, replica_is_exact

# Relative gap between the averages below which float rounding could pick the side.
TIE = 1e-9
# Slack on the trailing stop test in float (its exact test is in Decimal).
STOP_SLACK = 1e-9


class _Series:
    def __init__(self, closes: FloatArray, short: int, long: int, exact_means: bool) -> None:
        self.closes = closes
        if exact_means:
            self.tracks: tuple[MeanTrack, MeanTrack] | None = (
                MeanTrack(closes, short),
                MeanTrack(closes, long),
            )
            # The strategy's own values, bit for bit: the side is certain wherever they differ.
            fast, slow = self.tracks[0].means(), self.tracks[1].means()
            tie = 0.0
        else:
            self.tracks = None
            fast, slow = rolling_mean(closes, short), rolling_mean(closes, long)
            tie = TIE
        with np.errstate(invalid="ignore"):
            gap = fast - slow
            tol = tie * np.abs(slow)
            side = np.where(gap > tol, 1, np.where(gap < -tol, -1, 0)).astype(np.int8)
        side[np.isnan(gap)] = 0
        self.side = side
        # run_end[j]: the first index after j whose side differs from side[j].
        n = len(side)
        starts = np.flatnonzero(side[1:] != side[:-1]) + 1
        after = np.searchsorted(starts, np.arange(n), side="right")
        bounded = np.append(starts, n)
        self.run_end: npt.NDArray[np.int64] = bounded[after].astype(np.int64)


class BaselineSkipper:
    @staticmethod
    def handles(strategy: Strategy) -> bool:
        return type(strategy) is BaselineStrategy

    def __init__(self, strategy: Strategy, feed: ReplayFeed) -> None:
        if not isinstance(strategy, BaselineStrategy):
            raise TypeError("BaselineSkipper serves the baseline strategy only")
        self._strategy = strategy
        params = strategy.params
        self._short = params.short_window
        self._long = params.long_window
        self._pct = params.trailing_stop_pct
        self._pct_f = float(params.trailing_stop_pct)
        exact_means = replica_is_exact()
        self._series = {
            symbol: _Series(s.columns.close, self._short, self._long, exact_means)
            for symbol, s in feed.series.items()
        }

    def next_candle(self, symbol: str, start: int, position: Position) -> int:
        series = self._series[symbol]
        n = len(series.side)
        if start >= n:
            return n
        state = self._strategy._states.get(symbol)
        held = position.side
        if state is None or state.regime is None:
            # Until both averages are full the strategy only collects closes.
            warm = self._long - 1
            return warm if start < warm and held is None and state_is_fresh(state) else start
        if held is None:
            # Flat: an armed entry fires (or waits for confirmation) on the strategy's own terms.
            if state.armed is not None:
                return start
        elif (
            held is not state.regime
            or state.armed not in (None, held)
            or (state.tracked is held and state.stopped is held)
        ):
            return start
        regime = 1 if state.regime is Side.BUY else -1
        if int(series.side[start]) != regime:
            return start
        stop = int(series.run_end[start])
        if held is not None and self._pct > 0:
            best = self._best_from(state, position, series.closes, start)
            hit = self._first_stop(series.closes, start, stop, held, float(best))
            if hit is not None:
                return hit
        return stop

    @staticmethod
    def _best_from(
        state: _SymbolState, position: Position, closes: FloatArray, start: int
    ) -> Decimal:
        """The trailing stop's best close before candle `start`: the first candle that sees a new
        position starts it at the entry price."""
        if state.tracked is position.side:
            return state.best
        if position.entry_price > 0:
            return position.entry_price
        return exact(closes[start])

    def _first_stop(
        self, closes: FloatArray, start: int, stop: int, side: Side, best: float
    ) -> int | None:
        window = closes[start:stop]
        if side is Side.BUY:
            running = np.maximum.accumulate(np.maximum(window, best))
            hit = window <= running * (1 - self._pct_f) * (1 + STOP_SLACK)
        else:
            running = np.minimum.accumulate(np.minimum(window, best))
            hit = window >= running * (1 + self._pct_f) * (1 - STOP_SLACK)
        found = np.flatnonzero(hit)
        return start + int(found[0]) if found.size else None

    def skip(self, symbol: str, start: int, stop: int, position: Position) -> None:
        if stop <= start:
            return
        series = self._series[symbol]
        state = self._strategy._state(symbol)
        if series.tracks is not None:
            state.short = series.tracks[0].restore(stop)
            state.long = series.tracks[1].restore(stop)
        else:
            state.short = self._moved(state.short, series.closes, start, stop)
            state.long = self._moved(state.long, series.closes, start, stop)
        if state.regime is None:
            return  # warming up: nothing but the averages moves
        state.bars_in_regime += stop - start
        held = position.side
        if held is None:
            state.tracked = None
            state.stopped = None
            return
        if state.armed is held:
            state.armed = None  # the entry happened
        best = self._best_from(state, position, series.closes, start)
        state.tracked = held
        state.stopped = None
        window = series.closes[start:stop]
        if held is Side.BUY:
            state.best = max(best, self._exact(window, int(np.argmax(window))))
        else:
            state.best = min(best, self._exact(window, int(np.argmin(window))))

    @staticmethod
    def _exact(window: FloatArray, i: int) -> Decimal:
        return exact(window[i])

    @staticmethod
    def _moved(mean: RollingMean, closes: FloatArray, start: int, stop: int) -> RollingMean:
        """`mean` after closes[start:stop]: fed directly when that is short, else rebuilt from the
        closes since its last resync (it has seen closes[0:start] one by one)."""
        w = mean.window
        if stop - start <= 2 * w:
            for value in closes[start:stop].tolist():
                mean.update(value)
            return mean
        seen = stop
        first = (seen // w) * w - w if seen >= w else 0
        rebuilt = RollingMean(w)
        for value in closes[first:stop].tolist():
            rebuilt.update(value)
        return rebuilt


def state_is_fresh(state: _SymbolState | None) -> bool:
    """Nothing but the averages has moved yet (the strategy is warming up, flat)."""
    return state is None or (
        state.regime is None
        and state.armed is None
        and state.tracked is None
        and state.stopped is None
        and state.bars_in_regime == 0
    )
