"""Reading candle and mark CSV files straight into columns, in one streamed pass: numpy parses each
block of lines (a few megabytes) and checks it as a whole; a block it cannot parse or whose check
fails is read again line by line by `csv_files`' row checks, which name the file, line and problem
exactly as the plain reader does. Memory is the columns plus one block of text, whatever the size
of the file and wherever its bad line is."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot_v2.adapters.replay import text_blocks
from bot_v2.adapters.replay.columns import CandleColumns, IntArray, MarkColumns
from bot_v2.adapters.replay.csv_files import (
    CANDLE_HEADER,
    MARK_HEADER,
    MAX_MS,
    candle_row,
    check_header,
    mark_row,
    off_grid,
    parse_rows,
)
from bot_v2.domain.errors import DataError
from bot_v2.domain.market import Gap

Part = npt.NDArray[np.void]  # a structured array: field "t" (int64 ms), then the float fields
RowCheck = Callable[[Path, int, list[str], int | None], Sequence[int | Decimal]]
# (previous timestamp, timeframe or None) -> index of the first bad row and its problem, or None
BlockCheck = Callable[[Part, int | None, int | None], tuple[int, str] | None]


def _dtype(header: tuple[str, ...]) -> np.dtype[np.void]:
    return np.dtype([("t", np.int64)] + [(name, np.float64) for name in header[1:]])


def _first(mask: npt.NDArray[np.bool_]) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _order_check(
    part: Part, previous: int | None, timeframe_ms: int | None
) -> tuple[int, str] | None:
    ts = part["t"]
    before = np.empty_like(ts)
    before[1:] = ts[:-1]
    before[:1] = previous if previous is not None else -1
    steps = ts - before
    found = [
        (_first(ts < 0), "timestamp_ms is negative"),
        (_first(ts >= MAX_MS), "timestamp_ms is out of range"),
        (_first(steps == 0), "duplicate timestamp"),
        (_first(steps < 0), "timestamps not sorted"),
    ]
    if timeframe_ms is not None:
        on_grid = steps % timeframe_ms == 0
        if previous is None:
            on_grid[0] = True
        found.append((_first(~on_grid), f"timestamp is off the {timeframe_ms} ms grid"))
    hits = [(i, problem) for i, problem in found if i is not None]
    return min(hits) if hits else None


def _ohlc_check(part: Part, candles: bool) -> tuple[int, str] | None:
    o, h, lo, c = part["open"], part["high"], part["low"], part["close"]
    values = [o, h, lo, c, part["volume"]] if candles else [o, h, lo, c]
    finite = np.logical_and.reduce([np.isfinite(v) & (np.abs(v) <= 1e300) for v in values])
    bad = ~finite | (np.minimum(np.minimum(o, h), np.minimum(lo, c)) <= 0)
    bad |= (h < np.maximum(np.maximum(o, c), lo)) | (lo > np.minimum(o, c))
    if candles:
        bad |= part["volume"] < 0
    i = _first(bad)
    return None if i is None else (i, "inconsistent OHLC" + ("V" if candles else ""))


def _candle_check(part: Part, previous: int | None, tf: int | None) -> tuple[int, str] | None:
    hits = [h for h in (_order_check(part, previous, tf), _ohlc_check(part, True)) if h]
    return min(hits) if hits else None


def _mark_check(part: Part, previous: int | None, tf: int | None) -> tuple[int, str] | None:
    hits = [h for h in (_order_check(part, previous, tf), _ohlc_check(part, False)) if h]
    return min(hits) if hits else None


def _fast_part(text: str, dtype: np.dtype[np.void]) -> Part | None:
    """The block parsed by numpy, or None when it cannot be (or has blank lines, which numpy skips
    without telling, so its row numbers would not be line numbers)."""
    if text.startswith(("\n", "\r\n")) or "\n\n" in text or "\n\r\n" in text:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            part: Part = np.loadtxt(
                io.StringIO(text), delimiter=",", dtype=dtype, ndmin=1, comments=None
            )
    except ValueError:
        return None
    return part


def _slow_part(
    path: Path, text: str, first_line: int, header: tuple[str, ...], row: RowCheck,
    previous: int | None, timeframe_ms: int | None,
) -> tuple[Part, IntArray]:  # fmt: skip
    """The block read line by line by the plain reader's checks: raises on the first bad line."""
    values: list[tuple[int | float, ...]] = []
    lines: list[int] = []
    for line_no, fields in parse_rows(path, text.split("\n"), first_line, len(header)):
        ts, *prices = row(path, line_no, fields, previous)
        if (
            timeframe_ms is not None
            and previous is not None
            and (int(ts) - previous) % timeframe_ms
        ):
            raise off_grid(path, line_no, int(ts), timeframe_ms)
        values.append((int(ts), *(float(p) for p in prices)))
        lines.append(line_no)
        previous = int(ts)
    return np.array(values, dtype=_dtype(header)), np.array(lines, dtype=np.int64)


def _read(
    path: Path, header: tuple[str, ...], row: RowCheck, check: BlockCheck, timeframe_ms: int | None
) -> tuple[dict[str, npt.NDArray[np.generic]], IntArray]:
    """Every field as one column, and the line each row came from."""
    dtype = _dtype(header)
    parts: list[Part] = []
    line_parts: list[IntArray] = []
    previous: int | None = None
    for block in text_blocks.blocks(path):
        text, first_line = block.text, block.first_line
        if first_line == 1:
            head, _, text = text.partition("\n")
            check_header(path, head, header)
            first_line = 2
        if not text.strip("\r\n"):
            continue
        part = _fast_part(text, dtype)
        lines = first_line + np.arange(len(part), dtype=np.int64) if part is not None else None
        if part is None or lines is None or check(part, previous, timeframe_ms) is not None:
            part, lines = _slow_part(path, text, first_line, header, row, previous, timeframe_ms)
            problem = check(part, previous, timeframe_ms) if len(part) else None
            if problem is not None:  # numpy's doubles and the exact values disagree
                raise DataError(f"{path}:{int(lines[problem[0]])}: {problem[1]}")
        if len(part):
            parts.append(part)
            line_parts.append(lines)
            previous = int(part["t"][-1])
    if not parts:
        raise DataError(f"{path}: no rows")
    columns = {name: np.concatenate([p[name] for p in parts]) for name in dtype.names or ()}
    return columns, np.concatenate(line_parts)


def read_candle_columns(
    path: Path, symbol: str, timeframe_ms: int | None = None
) -> tuple[CandleColumns, list[Gap]]:
    """Like `csv_files.read_candles`, into columns: same checks, same messages, gaps reported.
    Without a timeframe, the smallest step between two candles is the timeframe."""
    cols, lines = _read(path, CANDLE_HEADER, candle_row, _candle_check, timeframe_ms)
    ts = cols["t"].astype(np.int64)
    steps = np.diff(ts)
    if timeframe_ms is None:
        timeframe_ms = int(steps.min()) if steps.size else 60_000
        bad = _first(steps % timeframe_ms != 0)
        if bad is not None:
            raise off_grid(path, int(lines[bad + 1]), int(ts[bad + 1]), timeframe_ms)
    holes = np.flatnonzero(steps != timeframe_ms)
    gaps = [Gap(symbol, timeframe_ms, int(ts[i]), int(ts[i + 1])) for i in holes]
    o, h, lo, c, v = (cols[name] for name in CANDLE_HEADER[1:])
    return CandleColumns(symbol, timeframe_ms, ts, o, h, lo, c, v), gaps


def read_mark_columns(path: Path) -> MarkColumns:
    cols, lines = _read(path, MARK_HEADER, mark_row, _mark_check, None)
    o, h, lo, c = (cols[name] for name in MARK_HEADER[1:])
    return MarkColumns(cols["t"], o, h, lo, c, lines=lines, source=path)
