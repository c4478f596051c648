"""The recorded market a backtest runs on, from the files named on the command line: one candle
file per symbol, optional funding and mark files, cut to a date range. Bad files are refused with
their file and line; gaps are reported, never bridged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import attrs
import numpy as np

from bot_v2.adapters.replay.columns import MarkColumns
from bot_v2.adapters.replay.csv_files import read_funding, resolve_path
from bot_v2.adapters.replay.fast_csv import read_candle_columns, read_mark_columns
from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.adapters.replay.mark_checks import check_marks, span
from bot_v2.domain.errors import DataError
from bot_v2.domain.market import Gap
from bot_v2.features.market_data.timeframes import timeframe_to_ms

TIMEFRAMES = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d")


@attrs.frozen
class SymbolFiles:
    symbol: str
    candles: str
    funding: str | None = None
    mark: str | None = None


@attrs.frozen
class BacktestData:
    feed: ReplayFeed
    timeframe: str
    gaps: tuple[Gap, ...]

    @property
    def candles(self) -> int:
        return sum(len(s) for s in self.feed.series.values())


def timeframe_name(timeframe_ms: int, where: str) -> str:
    for name in TIMEFRAMES:
        if timeframe_to_ms(name) == timeframe_ms:
            return name
    raise DataError(
        f"{where}: candles are {timeframe_ms} ms apart, not one of {', '.join(TIMEFRAMES)}"
    )


def load_data(
    files: Sequence[SymbolFiles], start_ms: int | None = None, end_ms: int | None = None
) -> BacktestData:
    """Every symbol's series within [start_ms, end_ms) by candle open time."""
    series: dict[str, SymbolSeries] = {}
    gaps: list[Gap] = []
    sources: dict[str, Path] = {}
    timeframe: int | None = None
    for spec in files:
        path = resolve_path(spec.candles)
        # Each file's own step, compared after: reading a coarser file on a finer file's grid
        # would pass it as one long run of gaps.
        columns, found = read_candle_columns(path, spec.symbol)
        if timeframe is None:
            timeframe, first_path = columns.timeframe_ms, path
        elif columns.timeframe_ms != timeframe:
            raise DataError(
                f"{path}: candles are {span(columns.timeframe_ms)} apart, those in {first_path} "
                f"{span(timeframe)}; give every symbol candles of one timeframe"
            )
        marks = read_mark_columns(resolve_path(spec.mark)) if spec.mark else MarkColumns.empty()
        check_marks(columns, path, marks)
        lo = 0 if start_ms is None else int(np.searchsorted(columns.open_ms, start_ms))
        hi = len(columns) if end_ms is None else int(np.searchsorted(columns.open_ms, end_ms))
        if lo >= hi:
            raise DataError(f"{path}: no candles between {_day(start_ms)} and {_day(end_ms)}")
        columns = columns.window(lo, hi)
        first, last = int(columns.open_ms[0]), int(columns.open_ms[-1])
        gaps.extend(g for g in found if first <= g.after_ms and g.before_ms <= last)
        funding = read_funding(resolve_path(spec.funding)) if spec.funding else []
        series[spec.symbol] = SymbolSeries(spec.symbol, columns, marks, funding)
        sources[spec.symbol] = path
    if timeframe is None:
        raise DataError("a backtest needs at least one candle file")
    return BacktestData(
        ReplayFeed(series, timeframe, gaps, sources),
        timeframe_name(timeframe, str(resolve_path(files[0].candles))),
        tuple(gaps),
    )


def _day(ts_ms: int | None) -> str:
    if ts_ms is None:
        return "the end"
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def describe_gap(gap: Gap) -> str:
    return f"{gap.symbol}: {gap.missing} candle(s) missing after {_day(gap.after_ms)} UTC"
