"""The Donchian channel of the last N candles: Donchian (incremental, O(1) amortized per candle with
monotonic queues) and donchian (numpy)."""

from __future__ import annotations

from collections import deque

import numpy as np
import numpy.typing as npt

from bot_v2.features.live_trade.indicators.arrays import (
    FloatArray,
    check_window,
    padded,
    same_length,
    series,
    windowed,
)


class Donchian:
    """Highest high and lowest low of the last `window` candles given to `update`."""

    def __init__(self, window: int) -> None:
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        self._window = window
        self._count = 0
        # (index, value) pairs, values decreasing (highs) / increasing (lows) from the left.
        self._highs: deque[tuple[int, float]] = deque()
        self._lows: deque[tuple[int, float]] = deque()

    @property
    def full(self) -> bool:
        return self._count >= self._window

    @property
    def upper(self) -> float:
        return self._highs[0][1]

    @property
    def lower(self) -> float:
        return self._lows[0][1]

    def update(self, high: float, low: float) -> None:
        index = self._count
        self._count += 1
        while self._highs and self._highs[-1][1] <= high:
            self._highs.pop()
        self._highs.append((index, high))
        while self._lows and self._lows[-1][1] >= low:
            self._lows.pop()
        self._lows.append((index, low))
        oldest = index - self._window + 1
        if self._highs[0][0] < oldest:
            self._highs.popleft()
        if self._lows[0][0] < oldest:
            self._lows.popleft()


def donchian(high: npt.ArrayLike, low: npt.ArrayLike, window: int) -> tuple[FloatArray, FloatArray]:
    """(upper, lower) of the last `window` candles, each candle included; NaN before the first full
    window. (A breakout compares a close with the channel of the candles before it: shift by one.)"""
    check_window(window)
    h, lo = series(high), series(low)
    same_length(h, lo)
    n = h.shape[0]
    if n < window:
        empty = padded(np.empty(0), n, window)
        return empty, empty.copy()
    return (
        padded(windowed(h, window).max(axis=-1), n, window),
        padded(windowed(lo, window).min(axis=-1), n, window),
    )
