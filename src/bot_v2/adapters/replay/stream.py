"""ReplayQuoteStream implements IQuoteStream: each drain hands over the candles that have closed by
the clock's time, each followed by the recorded mark price at its close when there is one.

What a drain hands over for a symbol is one function (`HandOver`): every candle by default; a fast
backtest, which shows the strategy only some candles, passes its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.domain.market import Mark
from bot_v2.ports.clock import IClock
from bot_v2.ports.quote_stream import MarketEvent

# (series, start, end, now_ms, events): append to `events` what to hand over for candles
# [start, end) of `series`, all closed by now_ms and not handed over before (start < end).
HandOver = Callable[[SymbolSeries, int, int, int, list[MarketEvent]], None]


def every_candle(
    series: SymbolSeries, start: int, end: int, now_ms: int, events: list[MarketEvent]
) -> None:
    symbol = series.symbol
    for i in range(start, end):
        candle = series.columns.candle(i)
        events.append(candle)
        # A candle's close is a mark already (the market data service takes it); a mark
        # event follows only where the recorded mark candle has its own close.
        mark = series.recorded_mark_close(i)
        if mark is not None:
            events.append(Mark(symbol, mark, candle.close_time_ms))


class ReplayQuoteStream:
    def __init__(self, feed: ReplayFeed, clock: IClock, hand_over: HandOver = every_candle) -> None:
        self._feed = feed
        self._clock = clock
        self._hand_over = hand_over
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
            start = self._next[symbol]
            end = series.columns.index_closed_by(now)
            if end > start:
                self._hand_over(series, start, end, now, events)
                self._next[symbol] = end
        return events
