"""Bollinger and Keltner bands: Bollinger, Keltner (incremental) and bollinger, keltner (numpy).

Bollinger: the simple mean of the last `window` closes +- `mult` population standard deviations.
Keltner: the exponential mean of the closes (`window`) +- `mult` x ATR(`atr_window`)."""

from __future__ import annotations

import math

import attrs
import numpy as np
import numpy.typing as npt

from bot_v2.features.live_trade.indicators.arrays import FloatArray, check_window, series
from bot_v2.features.live_trade.indicators.atr import AverageTrueRange, average_true_range
from bot_v2.features.live_trade.indicators.ema import ExponentialMean, exponential_mean
from bot_v2.features.live_trade.indicators.mean import RollingMean, rolling_mean
from bot_v2.features.live_trade.indicators.variance import RollingVariance, rolling_variance


@attrs.frozen
class Bands:
    lower: float
    mid: float
    upper: float

    @property
    def width(self) -> float:
        return self.upper - self.lower


class Bollinger:
    def __init__(self, window: int, mult: float) -> None:
        self._mean = RollingMean(window)
        self._variance = RollingVariance(window)
        self._mult = float(mult)
        self._value: Bands | None = None

    def update(self, close: float) -> Bands | None:
        mid = self._mean.update(close)
        variance = self._variance.update(close)
        if mid is None or variance is None:
            return None
        spread = self._mult * math.sqrt(variance)
        self._value = Bands(mid - spread, mid, mid + spread)
        return self._value

    @property
    def value(self) -> Bands | None:
        return self._value


class Keltner:
    def __init__(self, window: int, atr_window: int, mult: float) -> None:
        self._mean = ExponentialMean(window)
        self._atr = AverageTrueRange(atr_window)
        self._mult = float(mult)
        self._value: Bands | None = None

    def update(self, high: float, low: float, close: float) -> Bands | None:
        mid = self._mean.update(close)
        atr = self._atr.update(high, low, close)
        if mid is None or atr is None:
            return None
        spread = self._mult * atr
        self._value = Bands(mid - spread, mid, mid + spread)
        return self._value

    @property
    def value(self) -> Bands | None:
        return self._value


def bollinger(
    closes: npt.ArrayLike, window: int, mult: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(lower, mid, upper), NaN before the first full window."""
    check_window(window)
    data = series(closes)
    mid = rolling_mean(data, window)
    spread = float(mult) * np.sqrt(rolling_variance(data, window))
    return mid - spread, mid, mid + spread


def keltner(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, window: int, atr_window: int,
    mult: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:  # fmt: skip
    """(lower, mid, upper), NaN until both the mean and the ATR are ready."""
    spread = float(mult) * average_true_range(high, low, close, atr_window)
    mid = exponential_mean(close, window) + spread * 0.0  # NaN until the ATR is ready too
    return mid - spread, mid, mid + spread
