"""Reading candle, mark and funding CSV files. Every problem names the file and line.

The row checks here are the definition of a good file: the fast reader (`fast_csv`) runs them on
any block of lines numpy cannot vouch for, so both readers refuse the same files with the same
words."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

import attrs

from bot_v2.adapters.replay import text_blocks
from bot_v2.domain.errors import DataError
from bot_v2.domain.market import Candle, Gap

CANDLE_HEADER = ("timestamp_ms", "open", "high", "low", "close", "volume")
MARK_HEADER = ("timestamp_ms", "open", "high", "low", "close")
FUNDING_HEADER = ("timestamp_ms", "funding_rate")
BUNDLED_PREFIX = "bundled:"
# Binance caps a funding rate at +-0.3 % to +-3 % per settlement depending on the symbol and its
# interval (other venues stay within +-4 %); a recorded rate beyond 10 % is a unit mistake
# (percent written as a fraction) or a corrupt file, and would wipe out a simulated account.
MAX_FUNDING_RATE = Decimal("0.1")
# What numpy's integer parser takes too (it refuses "1_000", "1.0" and "1e3"), so both agree.
# Milliseconds a double holds exactly (the year 287,396); beyond is a corrupt or foreign unit.
MAX_MS = 2**53
_MAX_VALUE = Decimal("1e300")
_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")

Row = tuple[int, list[str]]


@attrs.frozen
class FundingPoint:
    timestamp_ms: int
    rate: Decimal


@attrs.frozen
class MarkPoint:
    timestamp_ms: int
    open: Decimal
    close: Decimal
    high: Decimal | None = None
    low: Decimal | None = None


def resolve_path(spec: str) -> Path:
    """`bundled:<relative path>` points inside the package's data; anything else is a file path."""
    if spec.startswith(BUNDLED_PREFIX):
        root = resources.files("bot_v2.resources") / "data"
        return Path(str(root / spec[len(BUNDLED_PREFIX) :]))
    return Path(spec)


def check_header(path: Path, first: str, header: tuple[str, ...]) -> None:
    got = tuple(c.strip() for c in first.rstrip("\r\n").split(","))
    if got != header:
        shown = first.rstrip("\r\n")[:80]
        raise DataError(f"{path}:1: header must be {','.join(header)}, got {shown!r}")


def parse_rows(path: Path, lines: Iterable[str], first_line: int, width: int) -> Iterator[Row]:
    """(line number, fields) of every non-empty line; `first_line` is the number of the first."""
    reader = csv.reader(lines)
    try:
        for row in reader:
            if not row:
                continue
            line_no = first_line + reader.line_num - 1
            if len(row) != width:
                raise DataError(f"{path}:{line_no}: expected {width} columns, got {len(row)}")
            yield line_no, row
    except csv.Error as exc:
        raise DataError(f"{path}:{first_line + reader.line_num - 1}: {exc}") from None


def _rows(path: Path, header: tuple[str, ...]) -> Iterator[Row]:
    lines = text_blocks.lines(path)
    first = next(lines, "")
    check_header(path, first, header)
    yield from parse_rows(path, lines, 2, len(header))


def _number(path: Path, line_no: int, column: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise DataError(f"{path}:{line_no}: {column} is not a number: {text!r}") from None
    if not value.is_finite():
        raise DataError(f"{path}:{line_no}: {column} is not finite: {text!r}")
    if abs(value) > _MAX_VALUE:  # beyond a double: the columns could not hold it
        raise DataError(f"{path}:{line_no}: {column} is out of range: {text!r}")
    return value


def timestamp(path: Path, line_no: int, text: str, previous: int | None) -> int:
    if not _INTEGER.fullmatch(text):
        raise DataError(f"{path}:{line_no}: timestamp_ms is not an integer: {text!r}")
    ts = int(text)
    if ts < 0:
        raise DataError(f"{path}:{line_no}: timestamp_ms is negative: {text!r}")
    if ts >= MAX_MS:
        raise DataError(f"{path}:{line_no}: timestamp_ms is out of range: {text!r}")
    if previous is not None and ts == previous:
        raise DataError(f"{path}:{line_no}: duplicate timestamp {ts}")
    if previous is not None and ts < previous:
        raise DataError(f"{path}:{line_no}: timestamps not sorted ({ts} after {previous})")
    return ts


def off_grid(path: Path, line_no: int, ts: int, timeframe_ms: int) -> DataError:
    return DataError(f"{path}:{line_no}: timestamp {ts} is off the {timeframe_ms} ms grid")


def candle_row(
    path: Path, line_no: int, row: list[str], previous: int | None
) -> tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal]:
    ts = timestamp(path, line_no, row[0], previous)
    o, h, lo, c, v = (
        _number(path, line_no, name, text)
        for name, text in zip(CANDLE_HEADER[1:], row[1:], strict=True)
    )
    if min(o, h, lo, c) <= 0 or v < 0 or h < max(o, c, lo) or lo > min(o, c):
        raise DataError(f"{path}:{line_no}: inconsistent OHLCV {row[1:]}")
    return ts, o, h, lo, c, v


def mark_row(
    path: Path, line_no: int, row: list[str], previous: int | None
) -> tuple[int, Decimal, Decimal, Decimal, Decimal]:
    ts = timestamp(path, line_no, row[0], previous)
    o, h, lo, c = (
        _number(path, line_no, name, text)
        for name, text in zip(MARK_HEADER[1:], row[1:], strict=True)
    )
    if min(o, h, lo, c) <= 0:
        raise DataError(f"{path}:{line_no}: mark prices must be > 0, got {row[1:]}")
    if h < max(o, c, lo) or lo > min(o, c):
        raise DataError(f"{path}:{line_no}: inconsistent mark OHLC (high below low?) {row[1:]}")
    return ts, o, h, lo, c


def read_candles(path: Path, symbol: str, timeframe_ms: int) -> tuple[list[Candle], list[Gap]]:
    """Candles in file order plus the gaps between them (reported by the caller, never filled)."""
    candles: list[Candle] = []
    gaps: list[Gap] = []
    previous: int | None = None
    for line_no, row in _rows(path, CANDLE_HEADER):
        ts, o, h, lo, c, v = candle_row(path, line_no, row, previous)
        if previous is not None and ts - previous != timeframe_ms:
            if (ts - previous) % timeframe_ms:
                raise off_grid(path, line_no, ts, timeframe_ms)
            gaps.append(Gap(symbol, timeframe_ms, previous, ts))
        candles.append(Candle(symbol, timeframe_ms, ts, o, h, lo, c, v))
        previous = ts
    if not candles:
        raise DataError(f"{path}: no candles")
    return candles, gaps


def read_marks(path: Path) -> list[MarkPoint]:
    points: list[MarkPoint] = []
    previous: int | None = None
    for line_no, row in _rows(path, MARK_HEADER):
        ts, o, h, lo, c = mark_row(path, line_no, row, previous)
        points.append(MarkPoint(ts, o, c, h, lo))
        previous = ts
    return points


def read_funding(path: Path) -> list[FundingPoint]:
    points: list[FundingPoint] = []
    previous: int | None = None
    for line_no, row in _rows(path, FUNDING_HEADER):
        ts = timestamp(path, line_no, row[0], previous)
        rate = _number(path, line_no, "funding_rate", row[1])
        if abs(rate) > MAX_FUNDING_RATE:
            raise DataError(
                f"{path}:{line_no}: funding_rate {row[1].strip()} is outside "
                f"+-{MAX_FUNDING_RATE} per settlement (a rate, 0.0001 = 0.01 %)"
            )
        points.append(FundingPoint(ts, rate))
        previous = ts
    return points
