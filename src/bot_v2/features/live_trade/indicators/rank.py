"""Percentile rank: PercentileRank (incremental) and percentile_rank (numpy).

Where the latest value sits among the last `window` values (itself included), in (0, 1): the
share below it, ties counted half (the "mean" kind of percentile rank), so a window of equal values
ranks 0.5 rather than 1 and a new high (n - 0.5) / n. Exact (counts), so both versions agree bit
for bit."""

from __future__ import annotations

import bisect
from collections import deque

import numpy as np
import numpy.typing as npt

from bot_v2.features.live_trade.indicators.arrays import (
    FloatArray,
    check_window,
    padded,
    series,
    windowed,
)


class PercentileRank:
    def __init__(self, window: int) -> None:
        check_window(window)
        self._window = window
        self._values: deque[float] = deque(maxlen=window)
        self._sorted: list[float] = []
        self._value: float | None = None

    @property
    def window(self) -> int:
        return self._window

    def update(self, value: float) -> float | None:
        x = float(value)
        if x != x:
            raise ValueError("percentile rank of NaN")
        if len(self._values) == self._window:
            del self._sorted[bisect.bisect_left(self._sorted, self._values[0])]
        self._values.append(x)
        bisect.insort(self._sorted, x)
        if len(self._values) < self._window:
            return None
        below = bisect.bisect_left(self._sorted, x)
        at_or_below = bisect.bisect_right(self._sorted, x)
        self._value = (below + at_or_below) / (2 * self._window)
        return self._value

    @property
    def value(self) -> float | None:
        return self._value


def percentile_rank(values: npt.ArrayLike, window: int) -> FloatArray:
    check_window(window)
    data = series(values)
    n = data.shape[0]
    if n < window:
        return padded(np.empty(0), n, window)
    rows = windowed(data, window)
    latest = data[window - 1 :, None]
    counts = (rows < latest).sum(axis=-1) + (rows <= latest).sum(axis=-1)
    return padded(counts / (2 * window), n, window)
