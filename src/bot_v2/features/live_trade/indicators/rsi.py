"""Relative strength index: RelativeStrength (incremental) and relative_strength (numpy).

Cutler's RSI: 100 * mean gain / (mean gain + mean loss) over the last `window` close-to-close
changes, simple means (RollingMean) rather than Wilder's smoothing, so a value depends on exactly
the last window + 1 closes, like the project's ATR. A window without movement reads 50."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bot_v2.features.live_trade.indicators.arrays import FloatArray, check_window, series
from bot_v2.features.live_trade.indicators.mean import RollingMean, rolling_mean

# Mean moves below this share of the price count as none (rounding of a rolling sum leaves dust).
STILL = 1e-12


def rsi_of(gain: float, loss: float, close: float) -> float:
    # A rolling sum of non-negative values may round a hair below zero once they leave the window.
    gain, loss = max(gain, 0.0), max(loss, 0.0)
    total = gain + loss
    if total <= STILL * abs(close):
        return 50.0
    return 100.0 * (gain / total)


class RelativeStrength:
    def __init__(self, window: int) -> None:
        self._gains = RollingMean(window)
        self._losses = RollingMean(window)
        self._previous: float | None = None
        self._value: float | None = None

    @property
    def window(self) -> int:
        return self._gains.window

    def update(self, close: float) -> float | None:
        x = float(close)
        previous, self._previous = self._previous, x
        if previous is None:
            return None
        change = x - previous
        gain = self._gains.update(change if change > 0 else 0.0)
        loss = self._losses.update(-change if change < 0 else 0.0)
        if gain is None or loss is None:
            return None
        self._value = rsi_of(gain, loss, x)
        return self._value

    @property
    def value(self) -> float | None:
        return self._value


def relative_strength(closes: npt.ArrayLike, window: int) -> FloatArray:
    """RSI per close, NaN for the first `window` (they have fewer than `window` changes)."""
    check_window(window)
    data = series(closes)
    n = data.shape[0]
    out = np.full(n, np.nan, dtype=np.float64)
    if n <= window:
        return out
    change = np.diff(data)
    gain = rolling_mean(np.where(change > 0, change, 0.0), window)[window - 1 :]
    loss = rolling_mean(np.where(change < 0, -change, 0.0), window)[window - 1 :]
    gain, loss = np.maximum(gain, 0.0), np.maximum(loss, 0.0)
    total = gain + loss
    still = total <= STILL * np.abs(data[window:])
    with np.errstate(divide="ignore", invalid="ignore"):
        out[window:] = np.where(still, 50.0, 100.0 * (gain / total))
    return out
