"""The replay stream hands over each candle as its close passes, with the recorded mark at that close
where the mark series has one; the market data service ends up with the same marks either way."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from bot_v2.adapters.replay.clock import ReplayClock
from bot_v2.adapters.replay.columns import CandleColumns, MarkColumns
from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.adapters.replay.stream import ReplayQuoteStream
from bot_v2.domain.market import Candle, Mark
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.ports.quote_stream import MarketEvent

MINUTE = 60_000
SYMBOL = "BTC/USDT:USDT"


def feed(marks: MarkColumns) -> ReplayFeed:
    columns = CandleColumns(
        SYMBOL,
        MINUTE,
        [0, MINUTE, 2 * MINUTE],
        [100.5, 101.0, 102.25],
        [101.5, 102.0, 103.0],
        [99.5, 100.0, 101.0],
        [101.0, 102.25, 102.5],
        [3.5, 4.0, 0.1],
    )
    return ReplayFeed({SYMBOL: SymbolSeries(SYMBOL, columns, marks)}, MINUTE)


def replay(marks: MarkColumns) -> tuple[list[list[Candle | Mark]], MarketDataService]:
    data = feed(marks)
    clock = ReplayClock(data.timeline)
    stream = ReplayQuoteStream(data, clock)
    service = MarketDataService([SYMBOL], MINUTE)
    asyncio.run(stream.start([SYMBOL]))
    drains = []
    while asyncio.run(clock.wait_next()):
        events = stream.drain()
        service.ingest(events)
        drains.append(events)
    return drains, service


def test_without_marks_each_drain_is_the_candle_closing_then() -> None:
    drains, service = replay(MarkColumns.empty())
    assert [[type(e) for e in events] for events in drains] == [[Candle]] * 3
    first = drains[0][0]
    assert isinstance(first, Candle)
    assert (first.timestamp_ms, first.open, first.close, first.volume) == (
        0,
        Decimal("100.5"),
        Decimal("101.0"),
        Decimal("3.5"),
    )
    # The candle's close is the mark.
    assert service.mark(SYMBOL) == Mark(SYMBOL, Decimal("102.5"), 3 * MINUTE)


def test_a_recorded_mark_follows_its_candle() -> None:
    # Mark candles for the first and the last candle only.
    marks = MarkColumns(
        [0, 2 * MINUTE], [100.4, 102.2], [101.4, 103.1], [99.4, 100.9], [100.9, 102.4]
    )
    drains, service = replay(marks)
    assert drains[0][1] == Mark(SYMBOL, Decimal("100.9"), MINUTE)
    assert [type(e) for e in drains[1]] == [Candle]
    assert service.mark(SYMBOL) == Mark(SYMBOL, Decimal("102.4"), 3 * MINUTE)


def test_the_clock_reads_the_tick_it_moved_to() -> None:
    clock = ReplayClock([MINUTE, 2 * MINUTE, 5 * MINUTE])
    assert clock.now_ms() == MINUTE  # before the first tick: the first
    assert asyncio.run(clock.wait_next())
    assert clock.now_ms() == MINUTE
    clock.jump_to(2)
    assert (clock.now_ms(), clock.progress()) == (5 * MINUTE, 1.0)
    assert not asyncio.run(clock.wait_next())


def test_a_hand_over_gets_each_closed_stretch_once_in_order_across_jumps() -> None:
    data = feed(MarkColumns.empty())
    clock = ReplayClock(data.timeline)
    seen: list[tuple[int, int, int]] = []

    def record(
        series: SymbolSeries, start: int, end: int, now_ms: int, events: list[MarketEvent]
    ) -> None:
        seen.append((start, end, now_ms))
        events.append(Mark(series.symbol, Decimal(end), now_ms))

    stream = ReplayQuoteStream(data, clock, record)
    asyncio.run(stream.start([SYMBOL]))
    assert asyncio.run(clock.wait_next())
    assert stream.drain() == [Mark(SYMBOL, Decimal(1), MINUTE)]
    assert stream.drain() == []  # nothing new closed: the hand-over is not asked
    clock.jump_to(2)
    assert stream.drain() == [Mark(SYMBOL, Decimal(3), 3 * MINUTE)]
    assert seen == [(0, 1, MINUTE), (1, 3, 3 * MINUTE)]
