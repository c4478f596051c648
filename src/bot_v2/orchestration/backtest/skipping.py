"""The market as a fast backtest hands it to the live cycle: at a cycle it runs, only the candles
closing at that moment (the ones before were skipped: the strategy's state was moved over them),
and for every symbol its latest mark, exactly the mark the cycle would have had."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.domain.market import Candle, Mark
from bot_v2.features.market_data.service import IngestResult, MarketDataService
from bot_v2.ports.clock import IClock
from bot_v2.ports.quote_stream import MarketEvent


class SkippingQuoteStream:
    def __init__(self, feed: ReplayFeed, clock: IClock) -> None:
        self._feed = feed
        self._clock = clock
        self._next = dict.fromkeys(feed.series, 0)
        self._symbols: tuple[str, ...] = ()

    async def start(self, symbols: Sequence[str]) -> None:
        missing = [s for s in symbols if s not in self._feed.series]
        if missing:
            raise ValueError(f"replay has no data for {', '.join(missing)}")
        self._symbols = tuple(symbols)

    async def stop(self) -> None:
        self._symbols = ()

    def drain(self) -> list[MarketEvent]:
        now = self._clock.now_ms()
        events: list[MarketEvent] = []
        for symbol in self._symbols:
            series = self._feed.series[symbol]
            end = series.columns.index_closed_by(now)
            if end <= self._next[symbol]:
                continue
            last = end - 1
            close_ms = int(series.closes_ms[last])
            if close_ms == now:
                events.append(series.columns.candle(last))
            events.append(Mark(symbol, series.mark_close_at(last), close_ms))
            self._next[symbol] = end
        return events


class SkippingMarketData(MarketDataService):
    """Takes candles as they come: the skipped ones are not holes in the data (those were reported
    when the files were read), so no window is kept and no gap is reported."""

    def ingest(self, events: Iterable[Candle | Mark]) -> IngestResult:
        new: list[Candle] = []
        for event in events:
            if isinstance(event, Candle):
                new.append(event)
                self._update_mark(Mark(event.symbol, event.close, event.close_time_ms))
            else:
                self._update_mark(event)
        return IngestResult(tuple(new), (), 0)
