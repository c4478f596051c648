"""The real Binance client (create_stream) against the loopback venue, one fault per test."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson

from bot_v2.features.streaming import StreamingService
from bot_v2.orchestration.streams import create_stream
from wsloopback import BinanceLoopback

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

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
WIRE = {BTC: "BTCUSDT", ETH: "ETHUSDT"}


@contextlib.asynccontextmanager
async def running(venue: BinanceLoopback, **overrides: Any) -> AsyncIterator[StreamingService]:
    settings: dict[str, Any] = {
        "url": venue.url,
        "heartbeat_s": 0.2,
        "backoff": fast_backoff(),
        "ws_options": WS,
        "rotate_after_s": None,
    }
    settings.update(overrides)
    service = create_stream("binanceusdm", [BTC, ETH], **settings)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


def marks_fresh(service: StreamingService, now_ms: int, limit_ms: int) -> bool:
    """Both symbols have a mark (stream or REST fallback) at most `limit_ms` older than `now_ms`."""
    latest = service._output.latest_marks
    return all(s in latest and now_ms - latest[s].timestamp_ms <= limit_ms for s in (BTC, ETH))


async def fresh_again(service: StreamingService, venue: BinanceLoopback) -> bool:
    """Streamed marks newer than the venue's clock at the time of asking, for both symbols."""
    since = venue.now_ms

    def fresh() -> bool:
        latest = service._output.latest_marks
        return service.healthy and all(
            s in latest and latest[s].timestamp_ms > since for s in (BTC, ETH)
        )

    return await eventually(fresh)


def test_normal_flow_delivers_marks_and_each_closed_candle_once() -> None:
    async def scenario() -> None:
        async with BinanceLoopback(["BTCUSDT", "ETHUSDT"]) as venue, running(venue) as service:
            collector = Collector(service)
            assert await service.wait_healthy(5)
            closed_before = len(venue.closed_candles)
            assert await eventually(lambda: len(venue.closed_candles) >= closed_before + 4)
            assert await settle(service, venue)
            collector.drain()
            stats = service.stats()

            btc = collector.candles(BTC)
            assert_once_in_order(btc)
            # Every candle the venue closed while we listened arrived, once: no holes, no tail lost.
            assert len(btc) >= 4
            assert btc == [t for t in venue.closed_candles if t >= btc[0]]
            assert collector.candles(ETH) == btc
            for symbol in (BTC, ETH):
                assert_marks_move_forward(collector.marks(symbol))
            assert marks_fresh(service, venue.now_ms, 30_000)
            assert stats.messages > 0 and stats.messages == stats.data_messages
            assert (stats.malformed, stats.dropped, stats.out_of_order, stats.gaps) == (0, 0, 0, 0)
            assert (stats.reconnects, stats.stalls, stats.connect_failures) == (0, 0, 0)
            assert stats.connected and stats.healthy and not stats.fallback_active

    asyncio.run(scenario())


def test_connection_dropped_mid_message_reconnects_and_resubscribes() -> None:
    async def scenario() -> None:
        async with BinanceLoopback(["BTCUSDT", "ETHUSDT"]) as venue, running(venue) as service:
            collector = Collector(service)
            assert await service.wait_healthy(5)
            assert await eventually(lambda: len(venue.closed_candles) >= 2)
            assert venue.drop_mid_message() == 1

            assert await eventually(lambda: service.stats().reconnects == 1)
            assert await fresh_again(service, venue)
            closed = len(venue.closed_candles)
            assert await eventually(lambda: len(venue.closed_candles) >= closed + 2)
            await asyncio.sleep(0.05)
            collector.drain()
            stats = service.stats()

            # The second connection asked for the same streams as the first.
            assert len(venue.conns) == 2 and venue.conns[0].topics == venue.conns[1].topics
            assert_once_in_order(collector.candles(BTC))
            assert_marks_move_forward(collector.marks(BTC))
            # Half a frame is not a message: nothing malformed, no stall, one reconnect.
            assert (stats.malformed, stats.stalls, stats.reconnects) == (0, 0, 1)

    asyncio.run(scenario())


def test_silent_connection_is_detected_as_a_stall_and_replaced() -> None:
    async def scenario() -> None:
        async with BinanceLoopback(["BTCUSDT", "ETHUSDT"]) as venue, running(venue) as service:
            assert await service.wait_healthy(5)
            venue.silence()  # socket stays open, protocol pings still answered

            assert await eventually(lambda: service.stats().stalls == 1)
            assert await eventually(lambda: service.stats().reconnects == 1)
            assert await fresh_again(service, venue)
            assert venue.conns[0].closed_at is not None  # the silent one was closed by us
            stats = service.stats()
            assert (stats.stalls, stats.reconnects, stats.malformed) == (1, 1, 0)

    asyncio.run(scenario())


def test_malformed_unknown_and_out_of_order_frames_are_counted_not_fatal() -> None:
    async def scenario() -> None:
        # The market pauses during the injections: a longer heartbeat, so that is no stall.
        async with (
            BinanceLoopback(["BTCUSDT", "ETHUSDT"]) as venue,
            running(venue, heartbeat_s=5.0) as service,
        ):
            assert await service.wait_healthy(5)
            assert await eventually(lambda: "BTCUSDT" in venue.last_book)
            assert await settle(service, venue)  # a still market: exact stale/duplicate verdicts
            before = service.stats()
            bad_price = orjson.loads(venue.last_book["BTCUSDT"])
            bad_price["data"]["b"] = "NaN"
            bad_price["data"]["u"] += 100
            unknown_symbol = orjson.loads(venue.last_book["BTCUSDT"])
            unknown_symbol["data"]["s"] = "XRPUSDT"

            await venue.inject('{"stream": "btcusdt@bookTicker", "data": {"e": "bookT')
            await venue.inject(b"\xff\xfe not even utf-8")
            await venue.inject("[1, 2, 3]")
            await venue.inject(orjson.dumps(bad_price).decode())
            await venue.inject(
                '{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT"}}'
            )
            await venue.inject(orjson.dumps(unknown_symbol).decode())
            await venue.inject(venue.stale_book_ticker("BTCUSDT"))
            await venue.inject(venue.last_book["BTCUSDT"])  # the very same message again

            def counted() -> bool:
                return service.stats().messages - before.messages == 8

            assert await eventually(counted)
            after = service.stats()
            assert after.malformed - before.malformed == 4
            assert after.dropped - before.dropped == 2
            assert after.out_of_order - before.out_of_order == 1
            assert after.duplicates - before.duplicates == 1
            assert after.reconnects == 0 and after.connected

            venue.paused = False
            assert await fresh_again(service, venue)
            assert service.stats().reconnects == 0

    asyncio.run(scenario())


def test_refused_reconnects_hand_over_to_rest_polling_and_back() -> None:
    async def scenario() -> None:
        async with BinanceLoopback(["BTCUSDT", "ETHUSDT"]) as venue:
            rest = FakeRestMarketData(venue, WIRE)
            async with running(
                venue, fallback=rest, fallback_after_s=0.05, fallback_poll_s=0.02
            ) as service:
                collector = Collector(service)
                assert await service.wait_healthy(5)
                assert await eventually(lambda: not service.stats().fallback_active)
                fallbacks_before = service.stats().fallbacks

                venue.refusing = True
                venue.drop_mid_message()
                assert await eventually(lambda: service.stats().fallback_active)
                assert await eventually(lambda: rest.calls >= 3 and venue.refused >= 2)
                collector.drain()
                rest_marks = [m for m in collector.marks(BTC) if rest.answered(m)]
                assert rest_marks, "no REST mark reached the consumer during the outage"
                assert marks_fresh(service, venue.now_ms, 5_000)

                venue.refusing = False
                assert await eventually(lambda: service.healthy)
                assert await eventually(lambda: not service.stats().fallback_active)
                assert await fresh_again(service, venue)
                calls = rest.calls
                await asyncio.sleep(0.1)  # five poll periods: polling must have stopped
                assert rest.calls == calls
                collector.drain()
                stats = service.stats()

                assert stats.fallbacks == fallbacks_before + 1
                assert stats.reconnects == 1
                assert stats.connect_failures == venue.refused
                assert stats.fallback_polls >= 3 and stats.fallback_errors == 0
                assert_once_in_order(collector.candles(BTC))
                assert_marks_move_forward(collector.marks(BTC))

    asyncio.run(scenario())


def test_rotation_opens_the_new_connection_before_closing_the_old() -> None:
    async def scenario() -> None:
        async with BinanceLoopback(["BTCUSDT", "ETHUSDT"]) as venue:
            async with running(
                venue, rotate_after_s=0.15, rotation_overlap_s=0.05, heartbeat_s=1.0
            ) as service:
                collector = Collector(service)
                assert await service.wait_healthy(5)
                assert await eventually(lambda: service.stats().rotations >= 3)
                assert await eventually(lambda: venue.conns[2].closed_at is not None)
                await asyncio.sleep(0.05)
                collector.drain()
                stats = service.stats()

            timeline = venue.timeline
            for older, newer in ((1, 2), (2, 3), (3, 4)):
                assert timeline.index(("open", newer)) < timeline.index(("close", older))
            # Both connections carried the overlap; each message passed once, nothing was missed.
            assert stats.duplicates > 0
            assert (stats.gaps, stats.reconnects, stats.stalls) == (0, 0, 0)
            btc = collector.candles(BTC)
            assert_once_in_order(btc)
            assert btc == [t for t in venue.closed_candles if btc[0] <= t <= btc[-1]]
            assert_marks_move_forward(collector.marks(BTC))

    asyncio.run(scenario())
