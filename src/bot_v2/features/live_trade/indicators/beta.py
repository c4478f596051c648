"""Rolling OLS beta of y on x: RollingBeta (incremental) and rolling_beta (numpy).

beta = cov(x, y) / var(x) over the last `window` pairs (the hedge ratio of a pairs trade). The
running sums are of deviations from shifts near the window's means, recomputed exactly once per
`window` pairs, and at once when x's variance falls below ILL_CONDITIONED of the largest sum of
squares held since (a quiet window after a busy one), as in RollingVariance. A window where x does not
move has no beta (None / NaN)."""

from __future__ import annotations

import math
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
from bot_v2.features.live_trade.indicators.variance import FLAT, ILL_CONDITIONED


class RollingBeta:
    def __init__(self, window: int) -> None:
        check_window(window, 2)
        self._window = window
        self._pairs: deque[tuple[float, float]] = deque(maxlen=window)
        self._shift = (0.0, 0.0)
        # Sums of dx, dy, dx*dx, dx*dy (deviations from the shifts).
        self._sx = self._sy = self._sxx = self._sxy = 0.0
        self._peak_sxx = 0.0
        self._since_resync = 0
        self._value: float | None = None

    @property
    def window(self) -> int:
        return self._window

    def update(self, x: float, y: float) -> float | None:
        x, y = float(x), float(y)
        if not self._pairs:
            self._shift = (x, y)
        sx0, sy0 = self._shift
        if len(self._pairs) == self._window:
            ox, oy = self._pairs[0]
            dx, dy = ox - sx0, oy - sy0
            self._sx -= dx
            self._sy -= dy
            self._sxx -= dx * dx
            self._sxy -= dx * dy
        self._pairs.append((x, y))
        dx, dy = x - sx0, y - sy0
        self._sx += dx
        self._sy += dy
        self._sxx += dx * dx
        self._sxy += dx * dy
        self._peak_sxx = max(self._peak_sxx, self._sxx)
        self._since_resync += 1
        if self._since_resync >= self._window or self._ill_conditioned():
            self._resync()
        self._value = self._beta() if len(self._pairs) == self._window else None
        return self._value

    def _ill_conditioned(self) -> bool:
        if len(self._pairs) < self._window:
            return False
        spread = self._sxx - self._sx * self._sx / self._window
        return spread < ILL_CONDITIONED * self._peak_sxx

    def _resync(self) -> None:
        n = len(self._pairs)
        mx = math.fsum(p[0] for p in self._pairs) / n
        my = math.fsum(p[1] for p in self._pairs) / n
        self._shift = (mx, my)
        dxs = [p[0] - mx for p in self._pairs]
        dys = [p[1] - my for p in self._pairs]
        self._sx, self._sy = math.fsum(dxs), math.fsum(dys)
        self._sxx = math.fsum(d * d for d in dxs)
        self._sxy = math.fsum(a * b for a, b in zip(dxs, dys, strict=True))
        self._peak_sxx = self._sxx
        self._since_resync = 0

    def _beta(self) -> float | None:
        n = self._window
        mx, my = self._sx / n, self._sy / n
        var = self._sxx / n - mx * mx
        if math.sqrt(max(var, 0.0)) <= FLAT * abs(self._shift[0] + mx):
            return None
        return (self._sxy / n - mx * my) / var

    @property
    def value(self) -> float | None:
        return self._value


def rolling_beta(x: npt.ArrayLike, y: npt.ArrayLike, window: int) -> FloatArray:
    """OLS slope of y on x per window; NaN before the first full window and where x is flat."""
    check_window(window, 2)
    xs, ys = series(x), series(y)
    same_length(xs, ys)
    n = xs.shape[0]
    if n < window:
        return padded(np.empty(0), n, window)
    wx, wy = windowed(xs, window), windowed(ys, window)
    mx, my = wx.mean(axis=-1), wy.mean(axis=-1)
    dx = wx - mx[:, None]
    var = (dx * dx).mean(axis=-1)
    cov = (dx * (wy - my[:, None])).mean(axis=-1)
    flat = np.sqrt(var) <= FLAT * np.abs(mx)
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = np.where(flat, np.nan, cov / var)
    return padded(beta, n, window)
