"""The market as a fast backtest hands it to the live cycle: at a cycle it runs, only the candles
closing at that moment (the ones before were skipped: the strategy's state was moved over them),
and for every symbol its latest mark, exactly the mark the cycle would have had."""

from __future__ import annotations

from collections.abc import Iterable

from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.adapters.replay.stream import ReplayQuoteStream
from bot_v2.domain.market import Candle, Mark
from bot_v2.features.market_data.service import IngestResult, MarketDataService
from bot_v2.ports.clock import IClock
from bot_v2.ports.quote_stream import MarketEvent


def latest_candle(
    series: SymbolSeries, start: int, end: int, now_ms: int, events: list[MarketEvent]
) -> None:
    """What a fast backtest hands over for candles [start, end): the candles before the cycle were
    skipped (their state moves went through the skipper), so only the candle closing at this very
    moment, if any, and the mark at the last close, which is what the skipped cycles would have
    left the market data service with."""
    last = end - 1
    close_ms = int(series.closes_ms[last])
    if close_ms == now_ms:
        events.append(series.columns.candle(last))
    events.append(Mark(series.symbol, series.mark_close_at(last), close_ms))


def skipping_quote_stream(feed: ReplayFeed, clock: IClock) -> ReplayQuoteStream:
    return ReplayQuoteStream(feed, clock, latest_candle)


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
        self.last_new = tuple(new)
        return IngestResult(self.last_new, (), 0)
