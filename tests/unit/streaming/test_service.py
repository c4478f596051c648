"""StreamingService supervision against an in-memory transport (no sockets)."""

from __future__ import annotations

import asyncio
from typing import Any

from bot_v2.domain.market import Candle, Mark
from bot_v2.features.streaming import Backoff, StreamingService

from .fakes import FakeMarketData, FakeTransport, eventually

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


def service_for(transport: FakeTransport, **overrides: Any) -> StreamingService:
    settings: dict[str, Any] = {
        "symbols": (BTC, ETH),
        "heartbeat_s": 5.0,
        "backoff": Backoff(initial_s=0.001, max_s=0.004, seed=1),
        "fallback_after_s": 0.01,
        "fallback_poll_s": 0.005,
        "rotation_overlap_s": 0.02,
    }
    settings.update(overrides)
    return StreamingService(transport, **settings)


def test_reconnects_resubscribe_and_resync_after_every_connect() -> None:
    async def scenario() -> None:
        transport = FakeTransport()
        resyncs: list[int] = []

        async def on_resync() -> None:
            resyncs.append(len(transport.sessions))

        service = service_for(transport, on_resync=on_resync)
        await service.start()
        try:
            assert await eventually(lambda: len(transport.sessions) == 1)
            transport.last.push_mark(BTC, 1)
            assert await service.wait_healthy(1)
            transport.last.end()
            assert await eventually(lambda: len(transport.sessions) == 2)
            transport.last.close_cleanly()  # a clean close is a disconnect as well
            assert await eventually(lambda: len(transport.sessions) == 3)
            assert await eventually(lambda: len(resyncs) == 3)
            stats = service.stats()
        finally:
            await service.stop()
        assert transport.opened_with == [(BTC, ETH)] * 3
        assert resyncs == [1, 2, 3]
        assert (stats.reconnects, stats.resyncs, stats.resync_failures) == (2, 3, 0)
        assert all(s.closed for s in transport.sessions)

    asyncio.run(scenario())


def test_a_silent_open_session_is_a_stall() -> None:
    async def scenario() -> None:
        transport = FakeTransport()
        service = service_for(transport, heartbeat_s=0.03)
        await service.start()
        try:
            assert await eventually(lambda: len(transport.sessions) == 1)
            first = transport.last
            first.push_mark(BTC, 1)
            assert await service.wait_healthy(1)
            assert await eventually(lambda: service.stats().stalls == 1)
            assert await eventually(lambda: len(transport.sessions) == 2)
            assert first.closed
            assert not service.healthy  # the new session has sent nothing yet
            transport.last.push_mark(BTC, 2)
            assert await service.wait_healthy(1)
        finally:
            await service.stop()

    asyncio.run(scenario())


def test_rest_fallback_runs_only_while_the_stream_is_down() -> None:
    async def scenario() -> None:
        transport = FakeTransport()
        rest = FakeMarketData()
        transport.refuse = 10**6
        service = service_for(transport, fallback=rest)
        await service.start()
        try:
            assert await eventually(lambda: service.stats().fallback_active and rest.calls >= 3)
            events = service.drain()
            assert {e.symbol for e in events if isinstance(e, Mark)} == {BTC, ETH}
            assert set(service._output.latest_marks) == {BTC, ETH}

            transport.refuse = 0
            assert await eventually(lambda: len(transport.sessions) == 1)
            assert service.stats().fallback_active  # connected is not enough: data must flow
            transport.last.push_mark(BTC, rest.now_ms + 10)
            assert await eventually(lambda: not service.stats().fallback_active)
            calls = rest.calls
            await asyncio.sleep(0.03)
            assert rest.calls == calls

            transport.last.end()
            assert await eventually(lambda: service.stats().fallbacks == 2)
            stats = service.stats()
        finally:
            await service.stop()
        assert stats.connect_failures >= 1 and stats.fallback_polls >= 3
        assert not service.stats().fallback_active

    asyncio.run(scenario())


def test_fallback_also_fetches_closed_candles_when_given_a_timeframe() -> None:
    async def scenario() -> list[Candle]:
        transport = FakeTransport()
        transport.refuse = 10**6
        rest = FakeMarketData()
        service = service_for(transport, fallback=rest, fallback_timeframe_ms=1)
        await service.start()
        try:
            assert await eventually(lambda: rest.calls >= 2)
            return [e for e in service.drain() if isinstance(e, Candle)]
        finally:
            await service.stop()

    candles = asyncio.run(scenario())
    assert {c.symbol for c in candles} == {BTC, ETH}
    assert all(c.timeframe_ms == 1 for c in candles)


def test_fallback_asks_for_candles_only_once_a_new_one_can_have_closed() -> None:
    # Marks advance 1 ms of venue time per poll; a candle closes every 5 ms.
    async def scenario() -> FakeMarketData:
        transport = FakeTransport()
        transport.refuse = 10**6
        rest = FakeMarketData()
        service = service_for(transport, fallback=rest, fallback_timeframe_ms=5)
        await service.start()
        try:
            assert await eventually(lambda: rest.calls >= 16)
        finally:
            await service.stop()
        return rest

    rest = asyncio.run(scenario())
    btc = [t for s, t in rest.newest_candles if s == BTC]
    assert len(btc) >= 3  # it does keep asking as candles close
    assert btc == sorted(set(btc))  # and never for a candle it already had
    assert len(rest.newest_candles) < rest.calls  # far fewer than one per symbol per poll


def test_fallback_errors_are_counted_and_polling_goes_on() -> None:
    async def scenario() -> None:
        transport = FakeTransport()
        transport.refuse = 10**6
        rest = FakeMarketData()
        rest.fail = True
        service = service_for(transport, fallback=rest)
        await service.start()
        try:
            assert await eventually(lambda: service.stats().fallback_errors >= 3)
            assert service.stats().fallback_active and service.drain() == []
        finally:
            await service.stop()

    asyncio.run(scenario())


def test_rest_marks_older_than_streamed_ones_are_ignored() -> None:
    async def scenario() -> None:
        transport = FakeTransport()
        rest = FakeMarketData()
        rest.now_ms = 0
        service = service_for(transport, fallback=rest, heartbeat_s=0.02)
        await service.start()
        try:
            assert await eventually(lambda: len(transport.sessions) == 1)
            transport.last.push_mark(BTC, 10**9)
            assert await service.wait_healthy(1)
            # The session stalls; REST answers with older timestamps than the streamed mark.
            assert await eventually(lambda: rest.calls >= 2)
            assert service._output.latest_marks[BTC].timestamp_ms == 10**9
            events = service.drain()
            assert [e.timestamp_ms for e in events if isinstance(e, Mark) and e.symbol == BTC] == [
                10**9
            ]
        finally:
            await service.stop()

    asyncio.run(scenario())


def test_rotation_opens_the_new_session_first_and_retires_the_old_after_the_overlap() -> None:
    async def scenario() -> None:
        transport = FakeTransport(rotate_after_s=0.03)
        service = service_for(transport)
        await service.start()
        try:
            assert await eventually(lambda: len(transport.sessions) == 2)
            old, new = transport.sessions
            assert not old.closed and old.running  # both read during the overlap
            assert await eventually(lambda: old.closed)
            assert not new.closed
            stats = service.stats()
            assert (stats.rotations, stats.reconnects) == (1, 0)
        finally:
            await service.stop()

    asyncio.run(scenario())


def test_a_failed_rotation_keeps_the_old_session() -> None:
    async def scenario() -> None:
        transport = FakeTransport(rotate_after_s=0.02)
        service = service_for(transport)
        await service.start()
        try:
            assert await eventually(lambda: len(transport.sessions) == 1)
            transport.refuse = 1
            assert await eventually(lambda: service.stats().connect_failures == 1)
            assert not transport.sessions[0].closed and service.stats().connected
            assert service.stats().rotations == 0
        finally:
            await service.stop()

    asyncio.run(scenario())


def test_unexpected_errors_from_the_transport_do_not_end_supervision() -> None:
    async def scenario() -> None:
        transport = FakeTransport()
        transport.raise_on_open = ValueError("a bug in an adapter")
        service = service_for(transport)
        await service.start()
        try:
            assert await eventually(lambda: service.stats().connect_failures >= 3)
            transport.raise_on_open = None
            assert await eventually(lambda: len(transport.sessions) == 1)
            transport.last.end(RuntimeError("reader crashed"))
            assert await eventually(lambda: len(transport.sessions) == 2)
        finally:
            await service.stop()

    asyncio.run(scenario())


def test_resyncs_are_serialised_and_failures_counted() -> None:
    async def scenario() -> None:
        transport = FakeTransport()
        release = asyncio.Event()
        running = 0
        most_at_once = 0
        calls = 0

        async def on_resync() -> None:
            nonlocal running, most_at_once, calls
            calls += 1
            running += 1
            most_at_once = max(most_at_once, running)
            try:
                await release.wait()
                if calls == 1:
                    raise ConnectionError("broker busy")
            finally:
                running -= 1

        service = service_for(transport, on_resync=on_resync)
        await service.start()
        try:
            for n in (1, 2, 3):
                assert await eventually(lambda n=n: len(transport.sessions) == n)
                if n < 3:
                    transport.last.end()
            release.set()
            assert await eventually(lambda: service.stats().resyncs == 1)
            stats = service.stats()
        finally:
            await service.stop()
        # Three connects while the first resync hung: one more run covers the other two.
        assert (calls, most_at_once) == (2, 1)
        assert stats.resync_failures == 1

    asyncio.run(scenario())


def test_without_a_heartbeat_connected_means_healthy() -> None:
    async def scenario() -> None:
        transport = FakeTransport()
        service = service_for(transport, heartbeat_s=None, symbols=())
        await service.start()
        try:
            assert await service.wait_healthy(1)
            await asyncio.sleep(0.02)
            assert service.stats().stalls == 0 and service.healthy
        finally:
            await service.stop()

    asyncio.run(scenario())


def test_drain_coalesces_marks_keeps_candles_and_never_steps_back() -> None:
    async def scenario() -> None:
        transport = FakeTransport()
        service = service_for(transport)
        await service.start()
        try:
            assert await eventually(lambda: len(transport.sessions) == 1)
            session = transport.last
            session.push_mark(BTC, 5)
            session.push_candle(BTC, 0)
            session.push_mark(BTC, 7)
            session.push_mark(ETH, 3)
            first = service.drain()
            session.push_mark(BTC, 6)  # older than what was already handed on
            session.push_mark(ETH, 4)
            second = service.drain()
        finally:
            await service.stop()
        assert [type(e) for e in first] == [Candle, Mark, Mark]
        assert [(e.symbol, e.timestamp_ms) for e in first] == [(BTC, 0), (BTC, 7), (ETH, 3)]
        assert [(e.symbol, e.timestamp_ms) for e in second] == [(ETH, 4)]
        assert service.drain() == []

    asyncio.run(scenario())


def test_an_undrained_buffer_is_compacted() -> None:
    async def scenario() -> None:
        transport = FakeTransport()
        service = service_for(transport, max_buffer=50, heartbeat_s=0.02)
        await service.start()
        try:
            assert await eventually(lambda: len(transport.sessions) == 1)
            for ts in range(200):
                transport.last.push_mark(BTC, ts)
            assert await eventually(lambda: len(service._output.market) == 1)
            assert service.drain() == [Mark(BTC, service._output.latest_marks[BTC].price, 199)]
        finally:
            await service.stop()

    asyncio.run(scenario())


def test_stop_leaves_no_task_behind_and_can_start_again() -> None:
    async def scenario() -> None:
        transport = FakeTransport(rotate_after_s=0.01)
        service = service_for(transport, fallback=FakeMarketData(), on_resync=_noop)
        await service.start()
        await service.start()  # idempotent
        assert await eventually(lambda: len(transport.sessions) >= 3)
        await service.stop()
        leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert leftover == []
        assert all(s.closed for s in transport.sessions)
        assert not service.stats().connected

        await service.start()
        assert await eventually(lambda: service.stats().connected)
        await service.stop()

    asyncio.run(scenario())


async def _noop() -> None:
    return None
