"""ReplayMarketData implements IMarketData over the replay feed: what a REST call would answer at
the replay clock's time."""

from __future__ import annotations

from collections.abc import Sequence

from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.domain.market import Candle, Mark
from bot_v2.ports.clock import IClock


class ReplayMarketData:
    def __init__(self, feed: ReplayFeed, clock: IClock) -> None:
        self._feed = feed
        self._clock = clock

    async def fetch_candles(
        self, symbol: str, timeframe_ms: int, since_ms: int | None, limit: int
    ) -> list[Candle]:
        now = self._clock.now_ms()
        closed = [
            c
            for c in self._feed.series[symbol].candles
            if c.close_time_ms <= now and (since_ms is None or c.timestamp_ms >= since_ms)
        ]
        return closed[-limit:] if since_ms is None else closed[:limit]

    async def fetch_marks(self, symbols: Sequence[str]) -> list[Mark]:
        now = self._clock.now_ms()
        marks = []
        for symbol in symbols:
            price = self._feed.series[symbol].mark_at(now)
            if price is not None:
                marks.append(Mark(symbol, price, now))
        return marks
