"""One downloaded series as a CSV file the backtest reads, written so a crash never spoils it.

A run appends to `<file>.part` (a copy of the finished file, or a new one with the header): each
page as whole lines in one write, flushed and fsynced before the next page is asked for. `finish`
renames the part over the file, so the file itself only ever holds a completed run. A process
killed mid-write can leave half a line at the end of the part (a write is cut at a page boundary
when a fatal signal arrives); the next run cuts it off before resuming after the last whole row, so
no row is ever kept half or twice."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from bot_v2.domain.errors import DataError
from bot_v2.domain.market import Candle
from bot_v2.ports.market_data import FundingRecord
from bot_v2.ports.recorded_data import SeriesSummary

_TAIL_BYTES = 64 * 1024


class CsvSeriesFile:
    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self._header = (",".join(header) + "\n").encode()
        self._width = len(header)
        self._handle: BinaryIO | None = None
        # Read only: a half line a killed writer left is skipped here and cut when appending,
        # once this run holds the directory's lock.
        source = self.part if self.part.is_file() else path
        self._first_ms, self._last_ms = _ends(source) if source.is_file() else (None, None)

    @property
    def where(self) -> str:
        return str(self.path)

    @property
    def first_ms(self) -> int | None:
        return self._first_ms

    @property
    def last_ms(self) -> int | None:
        return self._last_ms

    def append(self, rows: Sequence[Candle | FundingRecord]) -> None:
        if not rows:
            return
        handle = self._open()
        handle.write("".join(self._line(r) for r in rows).encode())
        handle.flush()
        os.fsync(handle.fileno())
        if self._first_ms is None:
            self._first_ms = rows[0].timestamp_ms
        self._last_ms = rows[-1].timestamp_ms

    def finish(self) -> SeriesSummary:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self.part.is_file():
            os.replace(self.part, self.path)
            _sync_dir(self.path.parent)
        elif not self.path.is_file():
            _write_atomically(self.path, self._header)
        return summarize(self.path)

    def _line(self, row: Candle | FundingRecord) -> str:
        if isinstance(row, FundingRecord):
            values: tuple[Decimal, ...] = (row.rate,)
        else:
            values = (row.open, row.high, row.low, row.close, row.volume)[: self._width - 1]
        return ",".join([str(row.timestamp_ms), *(format(v, "f") for v in values)]) + "\n"

    def _open(self) -> BinaryIO:
        if self._handle is None:
            if not self.part.is_file():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                staging = self.part.with_name(self.part.name + ".tmp")
                if self.path.is_file():
                    shutil.copyfile(self.path, staging)
                else:
                    staging.write_bytes(self._header)
                _fsync_file(staging)
                os.replace(staging, self.part)
                _sync_dir(self.part.parent)
            _cut_half_line(self.part)
            self._handle = self.part.open("ab")
        return self._handle


def summarize(path: Path) -> SeriesSummary:
    """Rows, first and last time and sha256 of a finished file, in one streamed pass."""
    digest = hashlib.sha256()
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    first, last = _ends(path)
    return SeriesSummary(str(path), max(0, lines - 1), first, last, digest.hexdigest())


def _ends(path: Path) -> tuple[int | None, int | None]:
    """The first and last row's timestamps of a series file (None, None without rows)."""
    with path.open("rb") as handle:
        handle.readline()
        first_line = handle.readline()
        if not first_line.strip():
            return None, None
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - _TAIL_BYTES))
        lines = handle.read().split(b"\n")
    # The last whole line: what follows the last newline is a half row or nothing.
    whole = [line for line in lines[:-1] if line.strip()]
    if not first_line.endswith(b"\n") or not whole:
        return None, None
    return _stamp(path, first_line), _stamp(path, whole[-1])


def _stamp(path: Path, line: bytes) -> int:
    field = line.split(b",", 1)[0].strip()
    try:
        return int(field)
    except ValueError:
        raise DataError(f"{path}: not a series file (row {line[:60]!r})") from None


def _cut_half_line(path: Path) -> None:
    """Drops an unfinished last line (no newline yet) left by a killed writer."""
    with path.open("rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - _TAIL_BYTES))
        tail = handle.read()
        if not tail or tail.endswith(b"\n"):
            return
        handle.truncate(size - (len(tail) - tail.rfind(b"\n") - 1))
        handle.flush()
        os.fsync(handle.fileno())


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(path.name + ".tmp")
    staging.write_bytes(data)
    _fsync_file(staging)
    os.replace(staging, path)
    _sync_dir(path.parent)


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
