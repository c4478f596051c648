"""The simple moving average: RollingMean (incremental, restorable bit for bit) and rolling_mean (numpy)."""

from __future__ import annotations

import math
from collections import deque

import attrs
import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view


@attrs.frozen
class RollingMeanState:
    """Everything a RollingMean holds: enough to rebuild it bit for bit with `RollingMean.restored`.

    A backtest that jumps over candles computes these for a whole series at once and puts a mean
    straight into the state it would have reached one value at a time."""

    window: int
    # The last min(window, values seen) values, oldest first.
    recent: tuple[float, ...]
    # The compensated running sum of `recent`: its float and the residual rounding dropped.
    total: float
    compensation: float
    # Values seen since the sum was last recomputed exactly (one resync per `window` values).
    since_resync: int


class RollingMean:
    """Simple moving average over the last `window` values, O(1) per update.

    The running sum is Neumaier-compensated, and recomputed exactly with fsum once per full window
    (as a float plus its residual), so rounding never accumulates across a long run: the result stays
    within a few ulps of a direct mean of the window, which is what `rolling_mean` computes.
    """

    def __init__(self, window: int) -> None:
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        self._window = window
        self._values: deque[float] = deque(maxlen=window)
        self._sum = 0.0
        self._compensation = 0.0
        self._since_resync = 0

    @classmethod
    def restored(cls, state: RollingMeanState) -> RollingMean:
        """A mean in the state `state()` reported. A state no sequence of updates can reach is
        refused, so a wrong rebuild fails here, not in the numbers."""
        window, recent, since_resync = state.window, state.recent, state.since_resync
        mean = cls(window)
        if len(recent) > window or not 0 <= since_resync < window:
            raise ValueError(
                f"not a RollingMean({window}) state: {len(recent)} values, "
                f"{since_resync} since resync"
            )
        # Before the window first fills there was no resync: every value seen counts.
        if len(recent) < window and since_resync != len(recent):
            raise ValueError(
                f"not a RollingMean({window}) state: {len(recent)} values seen but "
                f"{since_resync} since resync"
            )
        mean._values.extend(recent)
        mean._sum = state.total
        mean._compensation = state.compensation
        mean._since_resync = since_resync
        return mean

    def state(self) -> RollingMeanState:
        return RollingMeanState(
            self._window, tuple(self._values), self._sum, self._compensation, self._since_resync
        )

    @property
    def window(self) -> int:
        return self._window

    def update(self, value: float) -> float | None:
        value = float(value)
        if len(self._values) == self._window:
            self._add(-self._values[0])
        self._values.append(value)
        self._add(value)
        self._since_resync += 1
        if self._since_resync >= self._window:
            # Amortized O(1): one exact pass per `window` updates bounds the drift. The residual keeps
            # what rounding the sum to one float drops (large while a spike is in the window).
            self._sum = math.fsum(self._values)
            self._compensation = math.fsum([*self._values, -self._sum])
            self._since_resync = 0
        return self.value

    @property
    def value(self) -> float | None:
        if len(self._values) < self._window:
            return None
        return (self._sum + self._compensation) / self._window

    def _add(self, x: float) -> None:
        # Neumaier's variant of Kahan summation: also right when |x| > |sum|.
        total = self._sum + x
        if abs(self._sum) >= abs(x):
            self._compensation += (self._sum - total) + x
        else:
            self._compensation += (x - total) + self._sum
        self._sum = total


def rolling_mean(values: npt.ArrayLike, window: int) -> npt.NDArray[np.float64]:
    """Simple moving average of `values`: NaN for the first `window - 1` entries.

    Each window is summed on its own (a strided view, no copy) instead of differencing a cumulative sum,
    whose rounding grows with the length of the series.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    data = np.asarray(values, dtype=np.float64)
    if data.ndim != 1:
        raise ValueError(f"values must be one-dimensional, got shape {data.shape}")
    out = np.full(data.shape[0], np.nan, dtype=np.float64)
    if data.shape[0] >= window:
        out[window - 1 :] = sliding_window_view(data, window).mean(axis=-1)
    return out
