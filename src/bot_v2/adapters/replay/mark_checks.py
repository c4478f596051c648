"""Marks must belong to the candles they value: the same interval on the same grid, the same span of
time, the same price level. A mark candle of another length would hand a candle a price from its
future (an 8h mark closing hours after the 1h candle it is attached to), so it is refused, never
attached; so is a series shifted off the candles' grid, from another period, or of another market."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot_v2.adapters.replay.columns import CandleColumns, MarkColumns
from bot_v2.domain.errors import DataError

# A mark price tracks the index, which tracks the traded price: they part by a few percent in a
# crash at most. Half the price apart is another market or another unit, not a market move.
MAX_MARK_GAP = 0.5
_UNITS = ((86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s"))


def span(ms: int) -> str:
    for size, unit in _UNITS:
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms} ms"


def _day(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def check_marks(candles: CandleColumns, candle_file: Path, marks: MarkColumns) -> None:
    if not len(marks) or not len(candles):
        return
    _interval(candles, candle_file, marks)
    _grid(candles, candle_file, marks)
    _overlap(candles, candle_file, marks)
    _level(candles, candle_file, marks)


def _interval(candles: CandleColumns, candle_file: Path, marks: MarkColumns) -> None:
    if len(marks) < 2:
        return
    interval = int(np.diff(marks.open_ms).min())
    if interval != candles.timeframe_ms:
        raise DataError(
            f"{marks.source}: mark candles are {span(interval)} apart, the candles in "
            f"{candle_file} {span(candles.timeframe_ms)}; give marks of the candles' interval"
        )


def _grid(candles: CandleColumns, candle_file: Path, marks: MarkColumns) -> None:
    offsets = (marks.open_ms - candles.open_ms[0]) % candles.timeframe_ms
    hits = np.flatnonzero(offsets)
    if hits.size:
        i = int(hits[0])
        raise DataError(
            f"{marks.where(i)}: mark candle at {int(marks.open_ms[i])} is {int(offsets[i])} ms off "
            f"the {span(candles.timeframe_ms)} grid of the candles in {candle_file}"
        )


def _overlap(candles: CandleColumns, candle_file: Path, marks: MarkColumns) -> None:
    first, last = int(candles.open_ms[0]), int(candles.open_ms[-1])
    if int(marks.open_ms[-1]) < first or int(marks.open_ms[0]) > last:
        raise DataError(
            f"{marks.source}: marks cover {_day(int(marks.open_ms[0]))} to "
            f"{_day(int(marks.open_ms[-1]))} UTC, the candles in {candle_file} {_day(first)} to "
            f"{_day(last)}: no time in common"
        )


def _level(candles: CandleColumns, candle_file: Path, marks: MarkColumns) -> None:
    at = np.searchsorted(candles.open_ms, marks.open_ms)
    inside = at < len(candles)
    same = np.zeros(len(marks), dtype=bool)
    same[inside] = candles.open_ms[at[inside]] == marks.open_ms[inside]
    rows = np.flatnonzero(same)
    gap = np.abs(marks.close[rows] / candles.close[at[rows]] - 1)
    hits = np.flatnonzero(gap > MAX_MARK_GAP)
    if hits.size:
        i, c = int(rows[hits[0]]), int(at[rows[hits[0]]])
        raise DataError(
            f"{marks.where(i)}: mark close {marks.close.item(i)!r} is {gap[hits[0]]:.0%} away from the "
            f"close {candles.close.item(c)!r} in {candle_file} at {_day(int(marks.open_ms[i]))} UTC; "
            "marks of another market?"
        )
