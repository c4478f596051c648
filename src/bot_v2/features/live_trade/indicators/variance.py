"""Rolling (population) variance and z-score: RollingVariance, RollingZScore (incremental) and
rolling_variance, rolling_zscore (numpy).

The running sums are of deviations from a shift near the window's mean, not of the raw values, so
E[d^2] - E[d]^2 does not cancel away the variance of prices far from zero; the sums and the shift
are recomputed exactly (fsum, the window's mean) once per `window` values, so rounding never builds
up. The error left is a few ulps of the largest sum of squares held since the last recomputation; a
window whose variance falls below ILL_CONDITIONED of that is recomputed at once, so a quiet window after
a busy one (a z-score's worst case) is exact rather than off by that rounding.
"""

from __future__ import annotations

import math
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

# A standard deviation below this share of the mean's size counts as none: the window is flat, and
# its z-score is 0 (rounding alone would make a flat window's z-score anything).
FLAT = 1e-9
# Variance below this share of the largest sum of squares held since the last exact recomputation is
# mostly that sum's rounding; such a window is recomputed exactly (rare: only after a busy stretch).
ILL_CONDITIONED = 1e-6


class RollingVariance:
    def __init__(self, window: int) -> None:
        check_window(window)
        self._window = window
        self._values: deque[float] = deque(maxlen=window)
        self._shift = 0.0
        self._s1 = 0.0
        self._s2 = 0.0
        self._peak_s2 = 0.0
        self._since_resync = 0

    @property
    def window(self) -> int:
        return self._window

    def update(self, value: float) -> float | None:
        x = float(value)
        if not self._values:
            self._shift = x
        if len(self._values) == self._window:
            old = self._values[0] - self._shift
            self._s1 -= old
            self._s2 -= old * old
        self._values.append(x)
        d = x - self._shift
        self._s1 += d
        self._s2 += d * d
        self._peak_s2 = max(self._peak_s2, self._s2)
        self._since_resync += 1
        if self._since_resync >= self._window or self._ill_conditioned():
            self._resync()
        return self.value

    def _ill_conditioned(self) -> bool:
        if not self.full:
            return False
        spread = self._s2 - self._s1 * self._s1 / self._window
        return spread < ILL_CONDITIONED * self._peak_s2

    def _resync(self) -> None:
        values = self._values
        self._shift = math.fsum(values) / len(values)
        deviations = [v - self._shift for v in values]
        self._s1 = math.fsum(deviations)
        self._s2 = math.fsum(d * d for d in deviations)
        self._peak_s2 = self._s2
        self._since_resync = 0

    @property
    def full(self) -> bool:
        return len(self._values) == self._window

    @property
    def mean(self) -> float | None:
        if not self.full:
            return None
        return self._shift + self._s1 / self._window

    @property
    def value(self) -> float | None:
        if not self.full:
            return None
        m = self._s1 / self._window
        return max(self._s2 / self._window - m * m, 0.0)


def z_of(value: float, mean: float, variance: float) -> float:
    """(value - mean) / std, 0 for a flat window (see FLAT)."""
    std = math.sqrt(variance)
    if std <= FLAT * abs(mean):
        return 0.0
    return (value - mean) / std


class RollingZScore:
    """How many standard deviations the latest value sits from the mean of the last `window`
    values (itself included)."""

    def __init__(self, window: int) -> None:
        self._variance = RollingVariance(window)

    @property
    def window(self) -> int:
        return self._variance.window

    def update(self, value: float) -> float | None:
        variance = self._variance.update(value)
        mean = self._variance.mean
        if variance is None or mean is None:
            return None
        return z_of(float(value), mean, variance)


def rolling_variance(values: npt.ArrayLike, window: int) -> FloatArray:
    """Population variance of each window, NaN before the first full one."""
    check_window(window)
    data = series(values)
    if data.shape[0] < window:
        return padded(np.empty(0), data.shape[0], window)
    return padded(windowed(data, window).var(axis=-1), data.shape[0], window)


def rolling_zscore(values: npt.ArrayLike, window: int) -> FloatArray:
    check_window(window)
    data = series(values)
    n = data.shape[0]
    if n < window:
        return padded(np.empty(0), n, window)
    rows = windowed(data, window)
    mean = rows.mean(axis=-1)
    std = rows.std(axis=-1)
    flat = std <= FLAT * np.abs(mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(flat, 0.0, (data[window - 1 :] - mean) / std)
    return padded(z, n, window)
