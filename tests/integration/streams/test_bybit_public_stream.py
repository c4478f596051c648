"""The real Bybit client (create_stream) against the loopback venue."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson

from bot_v2.features.streaming import StreamingService
from bot_v2.orchestration.streams import create_stream
from wsloopback import BybitLoopback

from .support import (
    WS,
    Collector,
    FakeRestMarketData,
    assert_marks_move_forward,
    assert_once_in_order,
    eventually,
    fast_backoff,
    settle,
)

BTC = "BTC/USDT:USDT"
TOPICS = ["tickers.BTCUSDT", "kline.1.BTCUSDT"]


@contextlib.asynccontextmanager
async def running(venue: BybitLoopback, **overrides: Any) -> AsyncIterator[StreamingService]:
    settings: dict[str, Any] = {
        "url": venue.url,
        "heartbeat_s": 0.2,
        "app_ping_interval_s": 0.02,
        "backoff": fast_backoff(),
        "ws_options": WS,
    }
    settings.update(overrides)
    service = create_stream("bybit", [BTC], **settings)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def fresh_again(service: StreamingService, venue: BybitLoopback) -> bool:
    since = venue.now_ms

    def fresh() -> bool:
        mark = service._output.latest_marks.get(BTC)
        return service.healthy and mark is not None and mark.timestamp_ms > since

    return await eventually(fresh)


def test_snapshot_then_deltas_give_a_mark_per_update_and_pings_are_answered() -> None:
    async def scenario() -> None:
        async with BybitLoopback(["BTCUSDT"]) as venue, running(venue) as service:
            collector = Collector(service)
            assert await service.wait_healthy(5)
            start = len(venue.closed_candles)
            assert await eventually(lambda: len(venue.closed_candles) >= start + 3)
            assert await eventually(lambda: venue.pings >= 3)
            assert await settle(service, venue)
            collector.drain()
            stats = service.stats()

            assert venue.subscribe_requests == [TOPICS]
            # Deltas without markPrice (every third) still confirm the snapshot's price: the mark
            # stream has no holes in time.
            marks = collector.marks(BTC)
            assert_marks_move_forward(marks)
            candles = collector.candles(BTC)
            assert_once_in_order(candles)
            assert len(candles) >= 3
            assert candles == [t for t in venue.closed_candles if t >= candles[0]]
            # Control frames (the subscribe ack, pongs) are neither data nor errors.
            assert stats.messages > stats.data_messages > 0
            assert (stats.malformed, stats.dropped, stats.out_of_order, stats.gaps) == (0, 0, 0, 0)

    asyncio.run(scenario())


def test_drop_mid_message_resubscribes_on_the_new_connection() -> None:
    async def scenario() -> None:
        async with BybitLoopback(["BTCUSDT"]) as venue, running(venue) as service:
            collector = Collector(service)
            assert await service.wait_healthy(5)
            assert await eventually(lambda: len(venue.closed_candles) >= 2)
            venue.drop_mid_message()

            assert await eventually(lambda: service.stats().reconnects == 1)
            assert await fresh_again(service, venue)
            closed = len(venue.closed_candles)
            assert await eventually(lambda: len(venue.closed_candles) >= closed + 2)
            await asyncio.sleep(0.05)
            collector.drain()

            assert venue.subscribe_requests == [TOPICS, TOPICS]
            assert_once_in_order(collector.candles(BTC))
            assert_marks_move_forward(collector.marks(BTC))
            assert service.stats().malformed == 0

    asyncio.run(scenario())


def test_silence_even_of_pongs_is_a_stall() -> None:
    async def scenario() -> None:
        async with BybitLoopback(["BTCUSDT"]) as venue, running(venue) as service:
            assert await service.wait_healthy(5)
            venue.silence()
            assert await eventually(lambda: service.stats().stalls == 1)
            assert await fresh_again(service, venue)
            stats = service.stats()
            assert (stats.stalls, stats.reconnects) == (1, 1)
            assert venue.subscribe_requests == [TOPICS, TOPICS]

    asyncio.run(scenario())


def test_bad_frames_and_refused_subscriptions_are_counted() -> None:
    async def scenario() -> None:
        # The market pauses during the injections: a longer heartbeat, so that is no stall; and no
        # app-level pings, so that every frame counted is one of ours.
        async with (
            BybitLoopback(["BTCUSDT"]) as venue,
            running(venue, heartbeat_s=5.0, app_ping_interval_s=60.0) as service,
        ):
            assert await service.wait_healthy(5)
            assert await settle(service, venue)
            before = service.stats()
            stale = {
                "topic": "tickers.BTCUSDT",
                "type": "delta",
                "data": {"symbol": "BTCUSDT", "markPrice": "1.5"},
                "cs": 1,
                "ts": venue.now_ms - 5_000,
            }
            await venue.inject('{"topic": "tickers.BTCUSDT", "type": "delta", "data": {"mark')
            await venue.inject('{"topic": "tickers.BTCUSDT", "type": "other", "data": {}, "ts": 5}')
            await venue.inject('{"topic": "orderbook.50.BTCUSDT", "type": "snapshot", "data": {}}')
            await venue.inject(
                '{"success": false, "ret_msg": "error:handler not found", "op": "subscribe"}'
            )
            await venue.inject(orjson.dumps(stale).decode())

            assert await eventually(lambda: service.stats().messages - before.messages == 5)
            after = service.stats()
            assert after.malformed - before.malformed == 2
            assert after.dropped - before.dropped == 2
            assert after.out_of_order - before.out_of_order == 1
            # The stale price never reached the consumer.
            assert service._output.latest_marks[BTC].price > 2
            venue.paused = False
            assert await fresh_again(service, venue)
            assert service.stats().reconnects == 0

    asyncio.run(scenario())


def test_refused_reconnects_fall_back_to_rest_and_hand_back() -> None:
    async def scenario() -> None:
        async with BybitLoopback(["BTCUSDT"]) as venue:
            rest = FakeRestMarketData(venue, {BTC: "BTCUSDT"})
            async with running(
                venue, fallback=rest, fallback_after_s=0.05, fallback_poll_s=0.02
            ) as service:
                assert await service.wait_healthy(5)
                assert await eventually(lambda: not service.stats().fallback_active)
                fallbacks_before = service.stats().fallbacks
                venue.refusing = True
                venue.drop_mid_message()
                assert await eventually(lambda: rest.calls >= 2 and venue.refused >= 2)
                assert rest.answered(service._output.latest_marks[BTC])
                venue.refusing = False
                assert await fresh_again(service, venue)
                assert await eventually(lambda: not service.stats().fallback_active)
                stats = service.stats()
                assert stats.fallbacks == fallbacks_before + 1
                assert stats.reconnects == 1
                assert stats.connect_failures == venue.refused

    asyncio.run(scenario())
