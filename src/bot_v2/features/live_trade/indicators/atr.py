"""Average true range: AverageTrueRange (incremental) and average_true_range (numpy)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bot_v2.features.live_trade.indicators.mean import RollingMean, rolling_mean


class AverageTrueRange:
    """Average true range over the last `window` candles, O(1) per candle: the simple mean (a
    RollingMean, so it stays within a few ulps of `average_true_range`) of each candle's true range,
    max(high - low, |high - previous close|, |low - previous close|); the first candle has no
    previous close and counts its range. Not Wilder's smoothing: the same window mean as the
    strategy's averages, so a value is exactly the last `window` candles and nothing older."""

    def __init__(self, window: int) -> None:
        self._mean = RollingMean(window)
        self._previous_close: float | None = None

    @property
    def window(self) -> int:
        return self._mean.window

    def update(self, high: float, low: float, close: float) -> float | None:
        high, low, close = float(high), float(low), float(close)
        value = high - low
        if self._previous_close is not None:
            value = max(value, abs(high - self._previous_close), abs(low - self._previous_close))
        self._previous_close = close
        return self._mean.update(value)

    @property
    def value(self) -> float | None:
        return self._mean.value


def true_range(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Each candle's true range; the first has no previous close and is its high - low."""
    h, lo, c = (np.asarray(a, dtype=np.float64) for a in (high, low, close))
    if not h.shape == lo.shape == c.shape or h.ndim != 1:
        raise ValueError(f"high, low, close must be one-dimensional of one length: {h.shape}")
    out = h - lo
    if out.shape[0] > 1:
        previous = c[:-1]
        out[1:] = np.maximum.reduce([out[1:], np.abs(h[1:] - previous), np.abs(lo[1:] - previous)])
    return out


def average_true_range(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, window: int
) -> npt.NDArray[np.float64]:
    """`AverageTrueRange` over whole arrays: NaN for the first `window - 1` candles."""
    return rolling_mean(true_range(high, low, close), window)
