"""Exponential moving average: ExponentialMean (incremental) and exponential_mean (numpy).

Seeded with the simple mean of the first `window` values (nothing before that), then
value += alpha * (x - value) with alpha = 2 / (window + 1), the usual span convention."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from bot_v2.features.live_trade.indicators.arrays import FloatArray, check_window, series

# Block length of the numpy reference: within a block the recursion is one matrix product.
_BLOCK = 64


class ExponentialMean:
    def __init__(self, window: int) -> None:
        check_window(window)
        self._window = window
        self._alpha = 2.0 / (window + 1)
        self._seed: list[float] = []
        self._value: float | None = None

    @property
    def window(self) -> int:
        return self._window

    def update(self, value: float) -> float | None:
        x = float(value)
        if self._value is not None:
            self._value += self._alpha * (x - self._value)
        else:
            self._seed.append(x)
            if len(self._seed) == self._window:
                self._value = math.fsum(self._seed) / self._window
                self._seed = []
        return self._value

    @property
    def value(self) -> float | None:
        return self._value


def exponential_mean(values: npt.ArrayLike, window: int) -> FloatArray:
    """`ExponentialMean` over a whole array, NaN before the seed. Computed in closed form per block
    (powers of the decay times the block's values), not by the same recursion, so it checks it."""
    check_window(window)
    data = series(values)
    n = data.shape[0]
    out = np.full(n, np.nan, dtype=np.float64)
    if n < window:
        return out
    alpha = 2.0 / (window + 1)
    decay = 1.0 - alpha
    previous = math.fsum(data[:window].tolist()) / window
    out[window - 1] = previous
    steps = np.arange(_BLOCK)
    # weights[i, j] = alpha * decay**(i - j) for j <= i: how x_j enters the value after x_i.
    lag = steps[:, None] - steps[None, :]
    weights = np.where(lag >= 0, alpha * decay ** np.maximum(lag, 0), 0.0)
    carry = decay ** (steps + 1)
    for start in range(window, n, _BLOCK):
        block = data[start : start + _BLOCK]
        k = block.shape[0]
        values_after = weights[:k, :k] @ block + carry[:k] * previous
        out[start : start + k] = values_after
        previous = float(values_after[-1])
    return out
