"""Reading candle, mark and funding CSV files. Every problem names the file and line."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

import attrs

from bot_v2.domain.errors import DataError
from bot_v2.domain.market import Candle, Gap

CANDLE_HEADER = ("timestamp_ms", "open", "high", "low", "close", "volume")
MARK_HEADER = ("timestamp_ms", "open", "high", "low", "close")
FUNDING_HEADER = ("timestamp_ms", "funding_rate")
BUNDLED_PREFIX = "bundled:"


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


def _rows(path: Path, header: tuple[str, ...]) -> Iterator[tuple[int, list[str]]]:
    try:
        handle = path.open(newline="")
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with handle:
        reader = csv.reader(handle)
        first = next(reader, None)
        if first is None or tuple(c.strip() for c in first) != header:
            raise DataError(f"{path}:1: header must be {','.join(header)}, got {first}")
        for line_no, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise DataError(f"{path}:{line_no}: expected {len(header)} columns, got {len(row)}")
            yield line_no, row


def _number(path: Path, line_no: int, column: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise DataError(f"{path}:{line_no}: {column} is not a number: {text!r}") from None
    if not value.is_finite():
        raise DataError(f"{path}:{line_no}: {column} is not finite: {text!r}")
    return value


def _timestamp(path: Path, line_no: int, text: str, previous: int | None) -> int:
    try:
        ts = int(text.strip())
    except ValueError:
        raise DataError(f"{path}:{line_no}: timestamp_ms is not an integer: {text!r}") from None
    if previous is not None and ts == previous:
        raise DataError(f"{path}:{line_no}: duplicate timestamp {ts}")
    if previous is not None and ts < previous:
        raise DataError(f"{path}:{line_no}: timestamps not sorted ({ts} after {previous})")
    return ts


def read_candles(path: Path, symbol: str, timeframe_ms: int) -> tuple[list[Candle], list[Gap]]:
    """Candles in file order plus the gaps between them (reported by the caller, never filled)."""
    candles: list[Candle] = []
    gaps: list[Gap] = []
    previous: int | None = None
    for line_no, row in _rows(path, CANDLE_HEADER):
        ts = _timestamp(path, line_no, row[0], previous)
        o, h, lo, c, v = (
            _number(path, line_no, name, text)
            for name, text in zip(CANDLE_HEADER[1:], row[1:], strict=True)
        )
        if min(o, h, lo, c) <= 0 or v < 0 or h < max(o, c, lo) or lo > min(o, c):
            raise DataError(f"{path}:{line_no}: inconsistent OHLCV {row[1:]}")
        if previous is not None and ts - previous != timeframe_ms:
            if (ts - previous) % timeframe_ms:
                raise DataError(
                    f"{path}:{line_no}: timestamp {ts} is off the {timeframe_ms} ms grid"
                )
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
        ts = _timestamp(path, line_no, row[0], previous)
        o, h, lo, c = (
            _number(path, line_no, name, text)
            for name, text in zip(MARK_HEADER[1:], row[1:], strict=True)
        )
        points.append(MarkPoint(ts, o, c, h, lo))
        previous = ts
    return points


def read_funding(path: Path) -> list[FundingPoint]:
    points: list[FundingPoint] = []
    previous: int | None = None
    for line_no, row in _rows(path, FUNDING_HEADER):
        ts = _timestamp(path, line_no, row[0], previous)
        points.append(FundingPoint(ts, _number(path, line_no, "funding_rate", row[1])))
        previous = ts
    return points
