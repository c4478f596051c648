"""RollingMean states at every index of a series, computed with numpy, so a skipped stretch costs no
per-candle Python: the skipper builds a RollingMean in the state it would have reached
(`RollingMean.restored`).

RollingMean keeps a Neumaier-compensated running sum and, every `window` updates, replaces it with an
exact fsum of its window plus the residual. Between two such resyncs a block of updates depends only
on its own start, so all blocks are computed together, one update position at a time: the same IEEE
operations in the same order as `RollingMean.update`, hence the same bits.

That makes this module a second copy of RollingMean's arithmetic. It proves itself before use:
`replica_is_exact` feeds a real RollingMean and the replica the same awkward values (spikes,
cancellation, resync boundaries) and compares their states (`RollingMean.state`); if anything differs
(RollingMean's arithmetic changed), the skipper falls back to feeding the real thing, which is always
exact.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import numpy.typing as npt

from bot_v2.features.live_trade.indicators import RollingMean, RollingMeanState

FloatArray = npt.NDArray[np.float64]


def _neumaier(total: FloatArray, comp: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    new = total + x
    big = np.abs(total) >= np.abs(x)
    comp = comp + np.where(big, (total - new) + x, (x - new) + total)
    return new, comp


class MeanTrack:
    """The running sum and compensation of RollingMean(window) after each value of `values`."""

    def __init__(self, values: FloatArray, window: int) -> None:
        self.values = values
        self.window = window
        n = len(values)
        w = window
        self.sum = np.zeros(n)
        self.comp = np.zeros(n)
        # Before the first resync: plain accumulation from zero.
        head = min(n, w - 1)
        s = c = 0.0
        for t in range(head):
            x = float(values[t])
            total = s + x
            c += (s - total) + x if abs(s) >= abs(x) else (x - total) + s
            s = total
            self.sum[t], self.comp[t] = s, c
        if n < w:
            return
        # Resyncs after updates w, 2w, ...: index t = m*w - 1.
        resync = np.arange(w - 1, n, w)
        for t in resync.tolist():
            window_values = values[t - w + 1 : t + 1].tolist()
            s = math.fsum(window_values)
            self.sum[t] = s
            self.comp[t] = math.fsum([*window_values, -s])
        # Inside each block: update j (1..w-1) after its resync, all blocks at once.
        starts = resync[resync + 1 < n]
        s_block = self.sum[starts]
        c_block = self.comp[starts]
        for j in range(1, w):
            t = starts + j
            live = t < n
            if not live.all():
                # Only the last block can run past the end.
                starts, s_block, c_block, t = starts[live], s_block[live], c_block[live], t[live]
            if not len(t):
                break
            s_block, c_block = _neumaier(s_block, c_block, -values[t - w])
            s_block, c_block = _neumaier(s_block, c_block, values[t])
            self.sum[t] = s_block
            self.comp[t] = c_block

    def means(self) -> FloatArray:
        """RollingMean.value after each value: NaN until the window is full."""
        out = (self.sum + self.comp) / self.window
        out[: self.window - 1] = np.nan
        return out

    def restore(self, fed: int) -> RollingMean:
        """A RollingMean in exactly the state of one fed values[0:fed] one by one."""
        if fed <= 0:
            return RollingMean(self.window)
        w = self.window
        return RollingMean.restored(
            RollingMeanState(
                w,
                tuple(self.values[max(0, fed - w) : fed].tolist()),
                self.sum.item(fed - 1),
                self.comp.item(fed - 1),
                fed % w,
            )
        )


@cache
def replica_is_exact() -> bool:
    """Whether MeanTrack still reproduces RollingMean bit for bit (see the module docstring)."""
    rng = np.random.default_rng(11)
    awkward = np.concatenate(
        [
            rng.normal(100.0, 5.0, 40),
            [1e12, 1.0, -1e12, 3.0, 1e-9, 7.5e15, 2.0, -7.5e15],
            rng.normal(30000.0, 300.0, 60),
        ]
    )
    for window in (1, 2, 3, 5, 8, 13):
        track = MeanTrack(awkward, window)
        means = track.means()
        real = RollingMean(window)
        for fed, value in enumerate(awkward.tolist(), start=1):
            real.update(value)
            if track.restore(fed).state() != real.state():
                return False
            expected = real.value
            got = float(means[fed - 1])
            if (expected is None) != math.isnan(got) or (expected is not None and expected != got):
                return False
    return True
