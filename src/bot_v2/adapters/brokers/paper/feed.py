"""LiveFeed: the sim exchange's market made from a venue's live public data instead of a recorded
file. Each refresh appends the candles that closed since the last one and the funding rates the
venue settled, and rebuilds each symbol's series; the feed's time is the latest close every symbol
has reached, so the exchange never steps past a candle that has not arrived yet."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from bot_v2.adapters.brokers.ccxt.public import FundingRatePoint
from bot_v2.adapters.replay.csv_files import FundingPoint
from bot_v2.adapters.replay.feed import SymbolSeries
from bot_v2.domain.market import Candle, Mark

log = logging.getLogger(__name__)

# Candles kept per symbol: enough for any indicator the sim needs (it only looks at the candle an
# order executes in and those after it), small enough to rebuild the series each minute.
KEEP_CANDLES = 2000
# The first refresh reads this many closed candles back, so the exchange has a price at once.
FIRST_LIMIT = 5
PAGE_LIMIT = 500


class PublicSource(Protocol):
    async def fetch_candles(
        self, symbol: str, timeframe_ms: int, since_ms: int | None, limit: int
    ) -> list[Candle]: ...

    async def fetch_marks(self, symbols: Sequence[str]) -> list[Mark]: ...

    async def fetch_funding_history(self, symbol: str, since_ms: int) -> list[FundingRatePoint]: ...


class LiveFeed:
    """Quacks like ReplayFeed where the sim broker reads it (`series`, `sources`)."""

    def __init__(self, symbols: Sequence[str], timeframe_ms: int) -> None:
        self.symbols = tuple(symbols)
        self.timeframe_ms = timeframe_ms
        self.sources: dict[str, Path] = {}
        self._candles: dict[str, list[Candle]] = {s: [] for s in self.symbols}
        self._funding: dict[str, list[FundingPoint]] = {s: [] for s in self.symbols}
        self._resume_ms: int | None = None
        self.series: dict[str, SymbolSeries] = {
            s: SymbolSeries(s, [], timeframe_ms=timeframe_ms) for s in self.symbols
        }

    def now_ms(self) -> int | None:
        """The latest instant every symbol's candles have closed by; None before any data."""
        lasts = [
            c[-1].timestamp_ms + self.timeframe_ms if c else None for c in self._candles.values()
        ]
        if not lasts or any(t is None for t in lasts):
            return None
        return min(t for t in lasts if t is not None)

    async def refresh(self, source: PublicSource) -> bool:
        """Fetch what closed since the last refresh; True when any symbol got a new candle."""
        grew = False
        for symbol in self.symbols:
            candles = self._candles[symbol]
            fresh = await self._fetch_newer(source, symbol)
            newer = [c for c in fresh if not candles or c.timestamp_ms > candles[-1].timestamp_ms]
            candles.extend(newer)
            del candles[:-KEEP_CANDLES]
            # Funding after the candles: a settlement at T is published by the time a candle
            # closing at T is, so the exchange does not step past it unpaid.
            new_rates = await self._new_funding(source, symbol)
            if newer or new_rates:
                self.series[symbol] = SymbolSeries(
                    symbol, candles, (), self._funding[symbol], timeframe_ms=self.timeframe_ms
                )
            grew = grew or bool(newer)
        return grew

    def resume_from(self, clock_ms: int) -> None:
        """A restarted exchange stopped at `clock_ms`: the first refresh reads every candle since
        (up to KEEP_CANDLES), so orders resting meanwhile see the prices they missed."""
        self._resume_ms = clock_ms

    async def _fetch_newer(self, source: PublicSource, symbol: str) -> list[Candle]:
        frame = self.timeframe_ms
        candles = self._candles[symbol]
        if candles:
            since = candles[-1].timestamp_ms + frame
        elif self._resume_ms is not None:
            # From the candle that closed at the exchange's clock: its close is the price then.
            since = self._resume_ms - frame
        else:
            return await source.fetch_candles(symbol, frame, None, FIRST_LIMIT)
        got: list[Candle] = []
        while True:
            fetched = await source.fetch_candles(symbol, frame, since, PAGE_LIMIT)
            page = [c for c in fetched if c.timestamp_ms >= since]
            got.extend(page)
            if len(page) < PAGE_LIMIT:
                return got
            since = page[-1].timestamp_ms + frame

    async def _new_funding(self, source: PublicSource, symbol: str) -> int:
        candles, funding = self._candles[symbol], self._funding[symbol]
        if not candles:
            return 0
        start = funding[-1].timestamp_ms + 1 if funding else candles[0].timestamp_ms
        rates = await source.fetch_funding_history(symbol, start)
        funding.extend(
            FundingPoint(r.timestamp_ms, r.rate) for r in rates if r.timestamp_ms >= start
        )
        return len(rates)
