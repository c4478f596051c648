"""UserStreamPump over a real user-data stream (loopback websocket): pushed fills are booked as they
arrive, the REST watermark moves only while the current connection has been resynced, and a fill
that cannot be booked is counted and left to the REST sync without stopping the pump."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from bot_v2.domain.fills import Fill
from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.account_sync import NOTHING_NEW, SyncResult
from bot_v2.orchestration.runtime.user_stream_pump import UserStreamPump
from bot_v2.orchestration.streams import create_user_stream
from wsloopback import BinanceUserLoopback
from wsloopback.binance_user import order_trade_update

from .support import WS, eventually, fast_backoff


class FakeSync:
    """Records book_fill calls with their `advance`; `sync` waits while `hold` is clear."""

    def __init__(self) -> None:
        self.booked: list[tuple[str, bool]] = []
        self.syncs = 0
        self.fail_next = 0
        self.hold = asyncio.Event()
        self.hold.set()

    def book_fill(self, fill: Fill, *, advance: bool = True) -> bool:
        if self.fail_next:
            self.fail_next -= 1
            raise OSError("disk I/O error")
        self.booked.append((fill.fill_id, advance))
        return True

    async def sync(self) -> SyncResult:
        await self.hold.wait()
        self.syncs += 1
        return NOTHING_NEW


def fill_frame(venue: BinanceUserLoopback, trade_id: int) -> str:
    return order_trade_update(event_ms=venue.now_ms + trade_id, trade_id=trade_id)


def test_the_watermark_moves_only_once_the_current_connection_is_resynced() -> None:
    async def scenario() -> None:
        async with BinanceUserLoopback() as venue:
            sync = FakeSync()
            sync.hold.clear()  # the first resync is still fetching
            stream = create_user_stream(
                "binanceusdm",
                venue.obtain_listen_key,
                venue.keepalive_listen_key,
                url=venue.url,
                backoff=fast_backoff(),
                ws_options=WS,
                rotate_after_s=None,
            )
            pump = UserStreamPump(stream, sync)  # type: ignore[arg-type]
            await pump.start()
            try:
                assert await stream.wait_healthy(5)
                await venue.push(fill_frame(venue, 1))
                assert await eventually(lambda: len(sync.booked) == 1)
                sync.hold.set()
                assert await eventually(lambda: stream.stats().resyncs == 1)
                await venue.push(fill_frame(venue, 2))
                assert await eventually(lambda: len(sync.booked) == 2)

                sync.hold.clear()
                await venue.expire()  # a new connection: fills may have been missed meanwhile
                assert await eventually(lambda: stream.stats().reconnects == 1)
                await venue.push(fill_frame(venue, 3))
                assert await eventually(lambda: len(sync.booked) == 3)
                sync.hold.set()
                assert await eventually(lambda: stream.stats().resyncs == 2)
                await venue.push(fill_frame(venue, 4))
                assert await eventually(lambda: len(sync.booked) == 4)
            finally:
                await pump.stop()
            assert sync.booked == [("1", False), ("2", True), ("3", False), ("4", True)]
            assert pump.booked == 4 and pump.failures == 0

    asyncio.run(scenario())


def test_a_fill_that_cannot_be_booked_is_counted_and_the_pump_goes_on() -> None:
    async def scenario() -> None:
        async with BinanceUserLoopback() as venue:
            sync, errors = FakeSync(), []
            stream = create_user_stream(
                "binanceusdm",
                venue.obtain_listen_key,
                url=venue.url,
                backoff=fast_backoff(),
                ws_options=WS,
                rotate_after_s=None,
            )
            pump = UserStreamPump(stream, sync, errors.append)  # type: ignore[arg-type]
            await pump.start()
            try:
                assert await eventually(lambda: stream.stats().resyncs == 1)
                sync.fail_next = 1
                await venue.push(fill_frame(venue, 1))
                assert await eventually(lambda: pump.failures == 1)
                await venue.push(fill_frame(venue, 2))
                assert await eventually(lambda: pump.booked == 1)
            finally:
                await pump.stop()
            # The failed fill counts as missed: the next one must not move the watermark past it.
            assert errors == ["user_stream"] and sync.booked == [("2", False)]

    asyncio.run(scenario())


def test_stop_books_what_arrived_before_it() -> None:
    async def scenario() -> None:
        async with BinanceUserLoopback() as venue:
            sync = FakeSync()
            stream = create_user_stream(
                "binanceusdm", venue.obtain_listen_key, url=venue.url, ws_options=WS
            )
            pump = UserStreamPump(stream, sync)  # type: ignore[arg-type]
            # Not started: what sits in the buffer at stop is still booked.
            stream._output.account.append(
                Fill(
                    "9", "c", "1", "BTC/USDT:USDT", Side.BUY, Decimal(1), Decimal(1), Decimal(0), 1
                )
            )
            await pump.stop()
            assert [i for i, _ in sync.booked] == ["9"]

    asyncio.run(scenario())
