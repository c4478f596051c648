"""ReplayFeed: the recorded market one replay runs on. The sim exchange and the replay stream both
read it, exactly as a real exchange and its websocket see the same market."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from decimal import Decimal

from bot_v2.adapters.replay.csv_files import (
    FundingPoint,
    MarkPoint,
    read_candles,
    read_funding,
    read_marks,
    resolve_path,
)
from bot_v2.domain.market import Candle, Gap


class SymbolSeries:
    """One symbol's candles, marks and funding, indexed for lookups by time."""

    def __init__(
        self,
        symbol: str,
        candles: Sequence[Candle],
        marks: Sequence[MarkPoint] = (),
        funding: Sequence[FundingPoint] = (),
    ) -> None:
        self.symbol = symbol
        self.candles = list(candles)
        self.opens_ms = [c.timestamp_ms for c in self.candles]
        self.closes_ms = [c.close_time_ms for c in self.candles]
        self.marks = {m.timestamp_ms: m for m in marks}
        self.funding = list(funding)
        self.funding_ms = [f.timestamp_ms for f in self.funding]

    def candle_closed_at_or_before(self, ts_ms: int) -> Candle | None:
        i = bisect.bisect_right(self.closes_ms, ts_ms) - 1
        return self.candles[i] if i >= 0 else None

    def candle_opening_at_or_after(self, ts_ms: int) -> Candle | None:
        i = bisect.bisect_left(self.opens_ms, ts_ms)
        return self.candles[i] if i < len(self.candles) else None

    def mark_at(self, ts_ms: int) -> Decimal | None:
        """Mark price at an instant: the open of the mark candle starting then, else the close of
        the last trade candle closed by then."""
        point = self.marks.get(ts_ms)
        if point is not None:
            return point.open
        candle = self.candle_closed_at_or_before(ts_ms)
        return candle.close if candle is not None else None

    def mark_close(self, candle: Candle) -> Decimal:
        point = self.marks.get(candle.timestamp_ms)
        return point.close if point is not None else candle.close

    def funding_between(self, after_ms: int, until_ms: int) -> list[FundingPoint]:
        """Settlements in (after_ms, until_ms]."""
        lo = bisect.bisect_right(self.funding_ms, after_ms)
        hi = bisect.bisect_right(self.funding_ms, until_ms)
        return self.funding[lo:hi]


class ReplayFeed:
    def __init__(
        self, series: Mapping[str, SymbolSeries], timeframe_ms: int, gaps: Sequence[Gap] = ()
    ) -> None:
        self.series = dict(series)
        # Holes in the recorded data: reported at start, never bridged.
        self.gaps = tuple(gaps)
        self.timeframe_ms = timeframe_ms
        self.timeline = sorted({t for s in self.series.values() for t in s.closes_ms})

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self.series)

    def first_open_ms(self) -> int:
        return min(s.opens_ms[0] for s in self.series.values() if s.opens_ms)


def load_feed(
    candles: Mapping[str, str],
    marks: Mapping[str, str],
    funding: Mapping[str, str],
    timeframe_ms: int,
) -> ReplayFeed:
    """Load file specs (paths or `bundled:` names) per symbol."""
    series: dict[str, SymbolSeries] = {}
    gaps: list[Gap] = []
    for symbol, spec in candles.items():
        rows, found = read_candles(resolve_path(spec), symbol, timeframe_ms)
        gaps.extend(found)
        mark_rows = read_marks(resolve_path(marks[symbol])) if symbol in marks else []
        funding_rows = read_funding(resolve_path(funding[symbol])) if symbol in funding else []
        series[symbol] = SymbolSeries(symbol, rows, mark_rows, funding_rows)
    return ReplayFeed(series, timeframe_ms, gaps)
