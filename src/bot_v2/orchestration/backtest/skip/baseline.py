"""BaselineSkipper: the vectorized pre-pass for the baseline strategy (moving-average crossover with
confirmation and a trailing stop), and the state moves that stand in for the candles it skips.

The pre-pass computes both moving averages over the whole series with numpy and marks, per candle,
which side the short one is on. With `rolling.MeanTrack` these are the strategy's own values, bit for
bit, so only exact ties are left to the strategy; without it (see below) a candle where the two are
so close that float rounding could decide the side (a relative gap under 1e-9) is *uncertain*: it
is never skipped, the strategy's own incremental averages decide it. A candle may be skipped only
when, with the position unchanged, the strategy provably answers HOLD and changes nothing but its
running numbers:
- its regime is known and the candle is certainly on that same side (no crossover);
- flat: no entry armed (what the strategy tracked for an earlier position is dropped, as it would
  drop it);
- holding: the position is on the regime's side, no other entry armed, no stop pending for it, and
  the trailing stop is certainly not hit (from its best close so far, or from where the strategy
  would start it for a position it has not seen yet).
Everything else goes through the strategy itself. What the strategy keeps is read through its public
`quiet_view`, and skipped candles are handed to its `skip`, which moves its state as `on_candle`
would; this module only supplies the numbers: both averages after the stretch and its best close.

Rolling means are built in the state the strategy's RollingMean would have reached, from states
precomputed with numpy (`rolling.MeanTrack`, which proves itself against RollingMean first). Without
that proof they are rebuilt with RollingMean itself from the closes since its last exact resync
(after a resync a RollingMean is a function of its window alone), which agrees bit for bit too.
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
from bot_v2.features.live_trade.strategies.baseline import BaselineStrategy
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
        self._windows = (short, long)

    def means_after(self, fed: int) -> tuple[RollingMean, RollingMean]:
        """The short and long RollingMean in the state of one fed closes[0:fed] one by one."""
        if self.tracks is not None:
            return self.tracks[0].restore(fed), self.tracks[1].restore(fed)
        short, long = self._windows
        return _replayed(self.closes, short, fed), _replayed(self.closes, long, fed)

    def best_close(self, start: int, stop: int, side: Side) -> Decimal:
        """The first best close of candles [start, stop) for a position on `side`."""
        window = self.closes[start:stop]
        i = int(np.argmax(window)) if side is Side.BUY else int(np.argmin(window))
        return exact(window[i])


def _replayed(closes: FloatArray, window: int, fed: int) -> RollingMean:
    """RollingMean(window) after closes[0:fed], fed only the closes since its last exact resync
    (one every `window` values): before that its state no longer depends on them."""
    first = max(0, (fed // window) * window - window)
    mean = RollingMean(window)
    for value in closes[first:fed].tolist():
        mean.update(value)
    return mean


class BaselineSkipper:
    @staticmethod
    def handles(strategy: Strategy) -> bool:
        return type(strategy) is BaselineStrategy

    def __init__(self, strategy: Strategy, feed: ReplayFeed) -> None:
        if not isinstance(strategy, BaselineStrategy):
            raise TypeError("BaselineSkipper serves the baseline strategy only")
        self._strategy = strategy
        params = strategy.params
        self._long = params.long_window
        self._pct = params.trailing_stop_pct
        self._pct_f = float(params.trailing_stop_pct)
        exact_means = replica_is_exact()
        self._series = {
            symbol: _Series(s.columns.close, params.short_window, self._long, exact_means)
            for symbol, s in feed.series.items()
        }

    def next_candle(self, symbol: str, start: int, position: Position) -> int:
        series = self._series[symbol]
        n = len(series.side)
        if start >= n:
            return n
        view = self._strategy.quiet_view(symbol)
        held = position.side
        if view is None or view.regime is None:
            # Until both averages are full the strategy only collects closes.
            warm = self._long - 1
            return (
                warm if start < warm and held is None and (view is None or view.is_fresh) else start
            )
        if held is None:
            # Flat: an armed entry fires (or waits for confirmation) on the strategy's own terms.
            if view.armed is not None:
                return start
        elif (
            held is not view.regime
            or view.armed not in (None, held)
            or (view.tracked is held and view.stopped is held)
        ):
            return start
        regime = 1 if view.regime is Side.BUY else -1
        if int(series.side[start]) != regime:
            return start
        stop = int(series.run_end[start])
        if held is not None and self._pct > 0:
            best = view.stop_best(position, exact(series.closes[start]))
            hit = self._first_stop(series.closes, start, stop, held, float(best))
            if hit is not None:
                return hit
        return stop

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
        short, long = series.means_after(stop)
        held = position.side
        best = None if held is None else series.best_close(start, stop, held)
        self._strategy.skip(symbol, position, short, long, stop - start, best)
