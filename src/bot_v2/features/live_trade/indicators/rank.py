"""Percentile rank: PercentileRank (incremental) and percentile_rank (numpy).

The share of the last `window` values (the latest included) that are <= the latest, in (0, 1]:
1.0 is a new high of the window. Exact (a count), so both versions agree bit for bit."""

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
        self._value = bisect.bisect_right(self._sorted, x) / self._window
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
    counts = (rows <= data[window - 1 :, None]).sum(axis=-1)
    return padded(counts / window, n, window)
