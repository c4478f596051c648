"""Average directional index: DirectionalIndex (incremental) and directional_index (numpy).

+DM = high - previous high when it beats previous low - low and is positive (else 0), -DM the
mirror; +DI = 100 x mean(+DM) / mean(true range) over `window` candles, -DI alike;
DX = 100 x |+DI - -DI| / (+DI + -DI); ADX = the mean of DX over `window`. The means are simple
window means (RollingMean), not Wilder's smoothing, like the project's ATR: the first ADX is at
candle 2 x window (the first candle has no previous one)."""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from bot_v2.features.live_trade.indicators.arrays import (
    FloatArray,
    check_window,
    same_length,
    series,
)
from bot_v2.features.live_trade.indicators.mean import RollingMean, rolling_mean

# A mean true range below this share of the price is no movement: both DIs read 0.
STILL = 1e-12


@attrs.frozen
class Direction:
    adx: float
    plus_di: float
    minus_di: float


def _di(dm: float, tr: float, close: float) -> float:
    return 0.0 if tr <= STILL * abs(close) else 100.0 * dm / tr


def _dx(plus: float, minus: float) -> float:
    total = plus + minus
    # min: the quotient of one DI over itself may round a ulp above 100.
    return 0.0 if total <= 0.0 else min(100.0, 100.0 * abs(plus - minus) / total)


class DirectionalIndex:
    def __init__(self, window: int) -> None:
        self._plus = RollingMean(window)
        self._minus = RollingMean(window)
        self._range = RollingMean(window)
        self._dx = RollingMean(window)
        self._previous: tuple[float, float, float] | None = None
        self._value: Direction | None = None

    @property
    def window(self) -> int:
        return self._plus.window

    def update(self, high: float, low: float, close: float) -> Direction | None:
        h, lo, c = float(high), float(low), float(close)
        previous, self._previous = self._previous, (h, lo, c)
        if previous is None:
            return None
        ph, pl, pc = previous
        up, down = h - ph, pl - lo
        plus = self._plus.update(up if up > down and up > 0 else 0.0)
        minus = self._minus.update(down if down > up and down > 0 else 0.0)
        tr = self._range.update(max(h - lo, abs(h - pc), abs(lo - pc)))
        if plus is None or minus is None or tr is None:
            return None
        plus_di, minus_di = _di(plus, tr, c), _di(minus, tr, c)
        adx = self._dx.update(_dx(plus_di, minus_di))
        if adx is None:
            return None
        self._value = Direction(adx, plus_di, minus_di)
        return self._value

    @property
    def value(self) -> Direction | None:
        return self._value


def directional_index(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, window: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(adx, +DI, -DI) per candle; NaN where `DirectionalIndex` answers None."""
    check_window(window)
    h, lo, c = series(high), series(low), series(close)
    same_length(h, lo, c)
    n = h.shape[0]
    adx, plus_di, minus_di = (np.full(n, np.nan) for _ in range(3))
    if n <= window:
        return adx, plus_di, minus_di
    up, down = h[1:] - h[:-1], lo[:-1] - lo[1:]
    plus_dm = np.where((up > down) & (up > 0), up, 0.0)
    minus_dm = np.where((down > up) & (down > 0), down, 0.0)
    tr = np.maximum.reduce([h[1:] - lo[1:], np.abs(h[1:] - c[:-1]), np.abs(lo[1:] - c[:-1])])
    mean_tr = rolling_mean(tr, window)
    still = mean_tr <= STILL * np.abs(c[1:])
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(still, 0.0, 100.0 * rolling_mean(plus_dm, window) / mean_tr)
        m = np.where(still, 0.0, 100.0 * rolling_mean(minus_dm, window) / mean_tr)
        total = p + m
        dx = np.where(total <= 0.0, 0.0, np.minimum(100.0, 100.0 * np.abs(p - m) / total))
    ready = slice(window - 1, None)
    plus_di[1:][ready], minus_di[1:][ready] = p[ready], m[ready]
    adx[1:][ready] = rolling_mean(dx[ready], window)
    # The DIs are reported with the ADX, from its first value on.
    first = 2 * window - 1
    plus_di[:first], minus_di[:first] = np.nan, np.nan
    return adx, plus_di, minus_di
