"""The private user data stream: fills and order updates, listen key lifecycle, resync hooks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from bot_v2.domain.fills import Fill
from bot_v2.domain.orders import Order, OrderStatus, Side
from bot_v2.features.streaming import StreamingService
from bot_v2.orchestration.streams import create_user_stream
from wsloopback import BinanceUserLoopback
from wsloopback.binance_user import order_trade_update

from .support import WS, eventually, fast_backoff


class Resyncs:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1


@contextlib.asynccontextmanager
async def running(
    venue: BinanceUserLoopback, resync: Resyncs, **overrides: Any
) -> AsyncIterator[StreamingService]:
    settings: dict[str, Any] = {
        "url": venue.url,
        "keepalive_s": 0.03,
        "backoff": fast_backoff(),
        "ws_options": WS,
        "on_resync": resync,
        "rotate_after_s": None,
    }
    settings.update(overrides)
    service = create_user_stream(
        "binanceusdm", venue.obtain_listen_key, venue.keepalive_listen_key, **settings
    )
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


def test_order_updates_and_fills_arrive_once_and_expiry_triggers_a_resync(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario() -> None:
        async with BinanceUserLoopback() as venue:
            resync = Resyncs()
            async with running(venue, resync) as service:
                assert await service.wait_healthy(5)
                assert await eventually(lambda: resync.calls == 1)  # after the first connect too
                await venue.push(
                    order_trade_update(
                        event_ms=venue.now_ms,
                        execution="NEW",
                        status="NEW",
                        last_size="0",
                        filled="0",
                        trade_id=0,
                    )
                )
                await venue.push(order_trade_update(event_ms=venue.now_ms + 1, trade_id=11))
                assert await eventually(lambda: service.stats().events == 3)
                new, partial, fill = service.drain_account()
                assert isinstance(new, Order) and new.status is OrderStatus.NEW
                assert new.price == Decimal("50000") and new.filled == 0
                assert isinstance(partial, Order) and partial.status is OrderStatus.PARTIALLY_FILLED
                assert isinstance(fill, Fill)
                assert (fill.fill_id, fill.client_order_id, fill.exchange_order_id) == (
                    "11",
                    "bot-1",
                    "8886774",
                )
                assert (fill.symbol, fill.side, fill.size, fill.price, fill.fee) == (
                    "BTC/USDT:USDT",
                    Side.BUY,
                    Decimal("0.004"),
                    Decimal("50000"),
                    Decimal("0.08"),
                )
                assert fill.is_maker and not fill.liquidation
                assert await eventually(lambda: len(venue.keepalives) >= 2)

                await venue.expire()
                assert await eventually(lambda: service.stats().reconnects == 1)
                assert await eventually(lambda: resync.calls == 2)
                assert len(venue.issued) == 2  # the reconnect got a fresh key
                await venue.push(order_trade_update(event_ms=venue.now_ms + 2, trade_id=12))
                assert await eventually(lambda: service.stats().events == 5)
                fills = [e for e in service.drain_account() if isinstance(e, Fill)]
                assert [f.fill_id for f in fills] == ["12"]
                stats = service.stats()
                assert (stats.malformed, stats.dropped, stats.resync_failures) == (0, 0, 0)
            keys = venue.issued

        # The listen key is a secret: not in our lines, nor in the websocket client's (the loopback
        # server's own debug lines are the venue's business).
        client_side = "\n".join(
            record.getMessage()
            for record in caplog.records
            if not record.name.startswith("websockets.server")
        )
        assert keys and "GET /ws/" not in client_side
        for key in keys:
            assert key not in client_side

    asyncio.run(scenario())


def test_rotation_overlap_delivers_each_update_once() -> None:
    async def scenario() -> None:
        async with BinanceUserLoopback() as venue:
            resync = Resyncs()
            async with running(
                venue, resync, rotate_after_s=0.1, rotation_overlap_s=1.0
            ) as service:
                assert await service.wait_healthy(5)
                assert await eventually(lambda: len(venue.active) == 2)  # inside the overlap
                await venue.push(order_trade_update(event_ms=venue.now_ms, trade_id=21))
                assert await eventually(lambda: service.stats().duplicates == 1)
                events = service.drain_account()
                assert [e.fill_id for e in events if isinstance(e, Fill)] == ["21"]
                stats = service.stats()
                assert stats.rotations >= 1 and stats.reconnects == 0
                # No blind spot, so a rotation needs no resync.
                assert resync.calls == 1

    asyncio.run(scenario())


def test_unreachable_listen_key_endpoint_keeps_retrying_without_leaking() -> None:
    async def scenario() -> None:
        async with BinanceUserLoopback() as venue:
            attempts = 0

            async def failing_obtain() -> str:
                nonlocal attempts
                attempts += 1
                raise ConnectionError("POST /fapi/v1/listenKey failed")

            service = create_user_stream(
                "binanceusdm", failing_obtain, url=venue.url, backoff=fast_backoff(), ws_options=WS
            )
            await service.start()
            try:
                assert await eventually(lambda: service.stats().connect_failures >= 3)
                assert not service.stats().connected and attempts >= 3
            finally:
                await service.stop()

    asyncio.run(scenario())


def test_next_account_wakes_when_an_update_arrives() -> None:
    async def scenario() -> None:
        async with BinanceUserLoopback() as venue, running(venue, Resyncs()) as service:
            assert await service.wait_healthy(5)
            waiter = asyncio.create_task(service.next_account())
            await asyncio.sleep(0)
            assert not waiter.done()  # nothing buffered: it waits, it does not poll empty
            await venue.push(order_trade_update(event_ms=venue.now_ms, trade_id=31))
            order, fill = await asyncio.wait_for(waiter, 5)
            assert isinstance(order, Order) and isinstance(fill, Fill)
            assert fill.fill_id == "31" and service.drain_account() == []

    asyncio.run(scenario())
