"""ReplayFeed: the recorded market one replay runs on. The sim exchange and the replay stream both
read it, exactly as a real exchange and its websocket see the same market."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot_v2.adapters.replay.columns import (
    CandleColumns,
    CandleSequence,
    FloatArray,
    IntArray,
    MarkColumns,
    exact,
)
from bot_v2.adapters.replay.csv_files import (
    FundingPoint,
    MarkPoint,
    read_funding,
    resolve_path,
)
from bot_v2.adapters.replay.fast_csv import read_candle_columns, read_mark_columns
from bot_v2.adapters.replay.mark_checks import check_marks, span
from bot_v2.domain.errors import DataError
from bot_v2.domain.market import Candle, Gap


def _mark_columns(marks: Sequence[MarkPoint] | MarkColumns) -> MarkColumns:
    if isinstance(marks, MarkColumns):
        return marks
    points = list(marks)
    return MarkColumns(
        [p.timestamp_ms for p in points],
        [float(p.open) for p in points],
        [float(p.high if p.high is not None else max(p.open, p.close)) for p in points],
        [float(p.low if p.low is not None else min(p.open, p.close)) for p in points],
        [float(p.close) for p in points],
    )


class SymbolSeries:
    """One symbol's candles, marks and funding, indexed for lookups by time.

    Marks are aligned to the candles: `mark_open/high/low/close[i]` is the mark-price candle that
    opened with candle i, or the trade candle itself where the mark series has no row."""

    def __init__(
        self,
        symbol: str,
        candles: Sequence[Candle] | CandleColumns,
        marks: Sequence[MarkPoint] | MarkColumns = (),
        funding: Sequence[FundingPoint] = (),
        timeframe_ms: int | None = None,
    ) -> None:
        self.symbol = symbol
        if isinstance(candles, CandleColumns):
            columns = candles
        else:
            rows = list(candles)
            frame = rows[0].timeframe_ms if rows else (timeframe_ms or 1)
            columns = CandleColumns.from_candles(symbol, frame, rows)
        self.columns = columns
        self.mark_columns = _mark_columns(marks)
        self._mark_times: list[int] = self.mark_columns.open_ms.tolist()
        self.funding = list(funding)
        self.funding_ms: IntArray = np.array([f.timestamp_ms for f in self.funding], dtype=np.int64)
        self.funding_times: list[int] = [f.timestamp_ms for f in self.funding]
        self._align_marks()

    def _align_marks(self) -> None:
        cols, marks = self.columns, self.mark_columns
        n = len(cols)
        self.mark_row: IntArray = np.full(n, -1, dtype=np.int64)
        if len(marks):
            at = np.searchsorted(marks.open_ms, cols.open_ms)
            inside = at < len(marks)
            hit = np.zeros(n, dtype=bool)
            hit[inside] = marks.open_ms[at[inside]] == cols.open_ms[inside]
            self.mark_row[hit] = at[hit]
        has = self.mark_row >= 0
        rows = self.mark_row[has]

        def aligned(mark: FloatArray, own: FloatArray) -> FloatArray:
            out = own.copy()
            out[has] = mark[rows]
            return out

        self.mark_open = aligned(marks.open, cols.open)
        self.mark_high = aligned(marks.high, cols.high)
        self.mark_low = aligned(marks.low, cols.low)
        self.mark_close = aligned(marks.close, cols.close)

    # -- shape --------------------------------------------------------------------------------
    @property
    def timeframe_ms(self) -> int:
        return self.columns.timeframe_ms

    @property
    def candles(self) -> CandleSequence:
        return self.columns.sequence()

    @property
    def opens_ms(self) -> IntArray:
        return self.columns.open_ms

    @property
    def closes_ms(self) -> IntArray:
        return self.columns.close_ms

    def __len__(self) -> int:
        return len(self.columns)

    # -- lookups ------------------------------------------------------------------------------
    def mark_at(self, ts_ms: int) -> Decimal | None:
        """Mark price at an instant: the open of the mark candle starting then, else the close of
        the last trade candle closed by then."""
        if self._mark_times:
            j = bisect.bisect_left(self._mark_times, ts_ms)
            if j < len(self._mark_times) and self._mark_times[j] == ts_ms:
                return exact(self.mark_columns.open[j])
        i = self.columns.index_closed_by(ts_ms) - 1
        return self.columns.price("close", i) if i >= 0 else None

    def mark_close_at(self, i: int) -> Decimal:
        """The mark price when candle i closes: the mark candle's close, else the candle's."""
        m = self.recorded_mark_close(i)
        return m if m is not None else self.columns.price("close", i)

    def recorded_mark_close(self, i: int) -> Decimal | None:
        """The close of the mark candle that opened with candle i; None where the mark series has
        no such row (the candle's own close is then the mark)."""
        row = self.mark_row.item(i)
        return exact(self.mark_columns.close.item(row)) if row >= 0 else None

    def mark_extreme(self, i: int, high: bool) -> Decimal:
        if int(self.mark_row[i]) >= 0:
            return exact(self.mark_high[i] if high else self.mark_low[i])
        return self.columns.price("high" if high else "low", i)


class ReplayFeed:
    def __init__(
        self,
        series: Mapping[str, SymbolSeries],
        timeframe_ms: int,
        gaps: Sequence[Gap] = (),
        sources: Mapping[str, Path] | None = None,
    ) -> None:
        self.series = dict(series)
        # The candle file of each symbol, where one was read: a venue snapshot of the market's
        # rules may lie beside it (see brokers/sim/markets.py).
        self.sources = dict(sources or {})
        # Holes in the recorded data: reported at start, never bridged.
        self.gaps = tuple(gaps)
        self.timeframe_ms = timeframe_ms
        closes = [s.closes_ms for s in self.series.values() if len(s)]
        self.timeline: list[int] = _merged(closes).tolist()

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self.series)


def _merged(columns: Sequence[npt.NDArray[np.int64]]) -> npt.NDArray[np.int64]:
    """The sorted union of sorted time columns. Sort-and-drop-repeats, not np.unique: numpy 2's
    hash-based unique took a quarter of a second on a year of minutes, this takes milliseconds."""
    if not columns:
        return np.zeros(0, dtype=np.int64)
    merged = np.sort(np.concatenate(columns), kind="stable")
    if len(merged) < 2:
        return merged
    keep = np.empty(len(merged), dtype=bool)
    keep[0] = True
    np.not_equal(merged[1:], merged[:-1], out=keep[1:])
    return merged[keep]


def load_feed(
    candles: Mapping[str, str],
    marks: Mapping[str, str],
    funding: Mapping[str, str],
    timeframe_ms: int,
) -> ReplayFeed:
    """Load file specs (paths or `bundled:` names) per symbol."""
    series: dict[str, SymbolSeries] = {}
    gaps: list[Gap] = []
    sources: dict[str, Path] = {}
    for symbol, spec in candles.items():
        path = resolve_path(spec)
        columns, found = read_candle_columns(path, symbol)
        if len(columns) > 1 and columns.timeframe_ms != timeframe_ms:
            raise DataError(
                f"{path}: candles are {span(columns.timeframe_ms)} apart, "
                f"bot.timeframe is {span(timeframe_ms)}"
            )
        gaps.extend(found)
        mark_rows = (
            read_mark_columns(resolve_path(marks[symbol]))
            if symbol in marks
            else MarkColumns.empty()
        )
        check_marks(columns, path, mark_rows)
        funding_rows = read_funding(resolve_path(funding[symbol])) if symbol in funding else []
        series[symbol] = SymbolSeries(symbol, columns, mark_rows, funding_rows)
        sources[symbol] = path
    return ReplayFeed(series, timeframe_ms, gaps, sources)
