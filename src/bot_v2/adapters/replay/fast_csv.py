"""Reading candle and mark CSV files straight into columns: numpy parses and checks a year of minute
candles in well under a second. The checks are the ones `csv_files` makes line by line; when one
fails, the line-by-line reader runs to name the file, line and problem exactly as it always does."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot_v2.adapters.replay.columns import CandleColumns, FloatArray, MarkColumns
from bot_v2.adapters.replay.csv_files import (
    CANDLE_HEADER,
    MARK_HEADER,
    read_candles,
    read_marks,
)
from bot_v2.domain.errors import DataError
from bot_v2.domain.market import Gap

_MAX_EXACT_MS = 2**53


def _load(path: Path, header: tuple[str, ...]) -> FloatArray | None:
    """The rows as a float matrix, or None when numpy cannot read them (the slow reader explains)."""
    try:
        with path.open(newline="") as handle:
            first = handle.readline()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if tuple(c.strip() for c in first.strip().split(",")) != header:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an empty body warns; it is reported below
            data = np.loadtxt(
                path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2, comments=None
            )
    except ValueError:
        return None
    if data.size == 0:
        raise DataError(f"{path}: no rows")
    if data.shape[1] != len(header):
        return None
    return data


def _first(mask: npt.NDArray[np.bool_]) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _explain(path: Path, row: int, problem: str, slow: Callable[[], object]) -> DataError:
    """Let the line-by-line reader name the problem; if it finds none, name the row ourselves."""
    try:
        slow()
    except DataError as exc:
        return exc
    return DataError(f"{path}:{row + 2}: {problem}")


def _timestamps(
    path: Path, column: FloatArray, slow: Callable[[], object]
) -> npt.NDArray[np.int64]:
    bad = _first(
        ~np.isfinite(column) | (column != np.floor(column)) | (np.abs(column) >= _MAX_EXACT_MS)
    )
    if bad is not None:
        raise _explain(path, bad, "timestamp_ms is not an integer", slow)
    ts = column.astype(np.int64)
    steps = np.diff(ts)
    bad = _first(steps <= 0)
    if bad is not None:
        kind = "duplicate timestamp" if steps[bad] == 0 else "timestamps not sorted"
        raise _explain(path, bad + 1, kind, slow)
    return ts


def read_candle_columns(
    path: Path, symbol: str, timeframe_ms: int | None = None
) -> tuple[CandleColumns, list[Gap]]:
    """Like `csv_files.read_candles`, into columns: same checks, same messages, gaps reported.
    Without a timeframe, the smallest step between two candles is the timeframe."""
    data = _load(path, CANDLE_HEADER)
    if data is not None and timeframe_ms is None:
        steps = np.diff(data[:, 0])
        positive = steps[steps > 0]
        timeframe_ms = int(positive.min()) if positive.size else 60_000
    frame: int = timeframe_ms if timeframe_ms is not None else 60_000

    def slow() -> object:
        return read_candles(path, symbol, frame)

    if data is None:
        candles, gaps = read_candles(path, symbol, frame)
        return CandleColumns.from_candles(symbol, frame, candles), gaps
    timeframe_ms = frame
    ts = _timestamps(path, data[:, 0], slow)
    o, h, lo, c, v = (data[:, k] for k in range(1, 6))
    finite = np.isfinite(data[:, 1:]).all(axis=1)
    bad = _first(~finite)
    if bad is not None:
        raise _explain(path, bad, "a value is not finite", slow)
    inconsistent = (
        (np.minimum(np.minimum(o, h), np.minimum(lo, c)) <= 0)
        | (v < 0)
        | (h < np.maximum(np.maximum(o, c), lo))
        | (lo > np.minimum(o, c))
    )
    bad = _first(inconsistent)
    if bad is not None:
        raise _explain(path, bad, "inconsistent OHLCV", slow)
    steps = np.diff(ts)
    bad = _first(steps % timeframe_ms != 0)
    if bad is not None:
        raise _explain(path, bad + 1, f"timestamp is off the {timeframe_ms} ms grid", slow)
    holes = np.flatnonzero(steps != timeframe_ms)
    gaps = [Gap(symbol, timeframe_ms, int(ts[i]), int(ts[i + 1])) for i in holes]
    return CandleColumns(symbol, timeframe_ms, ts, o, h, lo, c, v), gaps


def read_mark_columns(path: Path) -> MarkColumns:
    def slow() -> object:
        return read_marks(path)

    data = _load(path, MARK_HEADER)
    if data is None:
        points = read_marks(path)  # raises with file and line when the file is bad
        return MarkColumns(
            [p.timestamp_ms for p in points],
            [float(p.open) for p in points],
            [float(p.high if p.high is not None else p.open) for p in points],
            [float(p.low if p.low is not None else p.open) for p in points],
            [float(p.close) for p in points],
        )
    ts = _timestamps(path, data[:, 0], slow)
    prices = data[:, 1:]
    bad = _first(~np.isfinite(prices).all(axis=1) | (prices <= 0).any(axis=1))
    if bad is not None:
        raise _explain(path, bad, "mark prices must be finite and > 0", slow)
    return MarkColumns(ts, prices[:, 0], prices[:, 1], prices[:, 2], prices[:, 3])
