"""Checks and shapes shared by the numpy references."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

FloatArray = npt.NDArray[np.float64]


def check_window(window: int, low: int = 1) -> None:
    if window < low:
        raise ValueError(f"window must be >= {low}, got {window}")


def series(values: npt.ArrayLike) -> FloatArray:
    data = np.asarray(values, dtype=np.float64)
    if data.ndim != 1:
        raise ValueError(f"values must be one-dimensional, got shape {data.shape}")
    return data


def same_length(*arrays: FloatArray) -> None:
    if len({a.shape for a in arrays}) != 1:
        raise ValueError(f"series must have one length: {[a.shape for a in arrays]}")


def windowed(data: FloatArray, window: int) -> FloatArray:
    """Each full window of `data` as a row (a strided view, no copy): row i ends at data[i + window - 1]."""
    return sliding_window_view(data, window)


def padded(rows: FloatArray, n: int, window: int) -> FloatArray:
    """A per-window result placed at each window's last index; NaN before the first full window."""
    out = np.full(n, np.nan, dtype=np.float64)
    if n >= window:
        out[window - 1 :] = rows
    return out
