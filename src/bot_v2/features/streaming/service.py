"""StreamingService: keeps one stream transport alive and hands its data on through IQuoteStream.

It connects and subscribes through the transport, watches for stalls (an open socket with no data),
reconnects with exponential backoff and jitter, rotates connections before the venue cuts them (new
one open before the old one closes), polls REST marks through IMarketData while the stream is down,
and asks the runtime to resync what it may have missed (fills and funding) after every connect
(`on_resync`). The REST polling lives in fallback.py, the serialised resyncs in resync.py."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from bot_v2.features.streaming.backoff import Backoff
from bot_v2.features.streaming.counters import StreamCounters, StreamStats
from bot_v2.features.streaming.errors import describe
from bot_v2.features.streaming.fallback import RestFallback
from bot_v2.features.streaming.output import (
    AccountEvent,
    StreamOutput,
    coalesce_marks,
    forward_only,
)
from bot_v2.features.streaming.ratelimited_log import RateLimitedLog
from bot_v2.features.streaming.resync import OnResync, Resyncs
from bot_v2.features.streaming.stall import StallDetector
from bot_v2.features.streaming.transport import IStreamSession, IStreamTransport
from bot_v2.ports.market_data import IMarketData
from bot_v2.ports.quote_stream import MarketEvent

# OnResync is re-exported: callers have always imported it from here.
__all__ = ["OnResync", "StreamingService"]

_LOGGER = logging.getLogger("bot_v2.streaming")
_UNHEALTHY_TICK_S = 0.02


class StreamingService:
    """Implements IQuoteStream. Public API: start, stop, drain, drain_account, next_account, stats,
    healthy, wait_healthy and the `on_resync` hook.

    `heartbeat_s=None` turns stall detection off (a private stream is silent while nothing trades;
    the websocket's own ping/pong still catches a dead peer); the stream then counts as healthy as
    soon as it is connected."""

    def __init__(
        self,
        transport: IStreamTransport,
        *,
        symbols: Sequence[str] = (),
        heartbeat_s: float | None = 15.0,
        backoff: Backoff | None = None,
        fallback: IMarketData | None = None,
        fallback_after_s: float = 2.0,
        fallback_poll_s: float = 2.0,
        fallback_timeframe_ms: int | None = None,
        connect_timeout_s: float = 10.0,
        rotation_overlap_s: float = 2.0,
        on_resync: OnResync | None = None,
        coalesce: bool = True,
        max_buffer: int = 100_000,
        monotonic: Callable[[], float] = time.monotonic,
        logger: logging.Logger | None = None,
    ) -> None:
        if heartbeat_s is not None and heartbeat_s <= 0:
            raise ValueError(f"heartbeat_s must be > 0 or None, got {heartbeat_s}")
        self._transport = transport
        self._symbols = tuple(symbols)
        self._heartbeat_s = heartbeat_s
        self._backoff = backoff if backoff is not None else Backoff()
        self._connect_timeout_s = connect_timeout_s
        self._rotation_overlap_s = rotation_overlap_s
        self.on_resync = on_resync
        self._coalesce = coalesce
        self._max_buffer = max_buffer
        self._now = monotonic
        self._logger = logger if logger is not None else _LOGGER
        self._log = RateLimitedLog(self._logger, clock=monotonic)

        rotate = transport.rotate_after_s
        # The watchdog wakes a few times per heartbeat: a stall is seen within 1.25 heartbeats.
        candidates = [1.0]
        if heartbeat_s is not None:
            candidates.append(heartbeat_s / 4)
        if rotate is not None:
            candidates.append(rotate / 4)
        self._tick_s = max(0.005, min(candidates))

        self._counters = StreamCounters()
        self._output = StreamOutput(self._counters)
        # Newest mark timestamp per symbol that drain() handed on.
        self._passed_on: dict[str, int] = {}
        self._connected = False
        self._healthy = False
        self._stopping = False
        self._healthy_event = asyncio.Event()
        self._fallback = (
            None
            if fallback is None
            else RestFallback(
                fallback,
                name=transport.name,
                output=self._output,
                counters=self._counters,
                healthy=lambda: self._healthy,
                after_s=fallback_after_s,
                poll_s=fallback_poll_s,
                timeframe_ms=fallback_timeframe_ms,
                timeout_s=connect_timeout_s,
                logger=self._logger,
                log=self._log,
            )
        )
        self._task: asyncio.Task[None] | None = None
        self._resyncs = Resyncs(
            lambda: self.on_resync, name=transport.name, counters=self._counters, log=self._log
        )
        # Background closes, and old readers that still run through a rotation's overlap.
        self._closers: set[asyncio.Task[None]] = set()
        self._retiring: set[asyncio.Task[None]] = set()

    # ---- IQuoteStream -------------------------------------------------------------------------

    async def start(self, symbols: Sequence[str] = ()) -> None:
        """Returns at once; connecting happens in the background. Symbols given here replace the
        constructor's."""
        if self._task is not None:
            return
        if symbols:
            self._symbols = tuple(symbols)
        self._stopping = False
        self._ensure_fallback()
        self._task = asyncio.create_task(self._supervise(), name=f"stream-{self._transport.name}")

    async def stop(self) -> None:
        self._stopping = True
        fallback_task = self._fallback.cancel() if self._fallback is not None else None
        resync_task = self._resyncs.cancel()
        tasks = [t for t in (self._task, fallback_task, resync_task) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for retiring in self._retiring:
            retiring.cancel()  # the old reader stops now; `_retire` still closes its session
        pending = self._closers | self._retiring
        if pending:
            await asyncio.wait(pending, timeout=self._connect_timeout_s)
        self._task = None

    def drain(self) -> list[MarketEvent]:
        """Marks and closed candles since the last drain, in arrival order. A symbol's marks never
        go back in time; with `coalesce`, a mark superseded by a later one is left out."""
        buffer = self._output.market
        if not buffer:
            return []
        events = forward_only(buffer.copy(), self._passed_on)
        buffer.clear()
        return coalesce_marks(events) if self._coalesce else events

    # ---- the rest of the public API -------------------------------------------------------------

    def drain_account(self) -> list[AccountEvent]:
        """Order updates and fills from a private stream since the last drain, in arrival order."""
        buffer = self._output.account
        events = buffer.copy()
        buffer.clear()
        return events

    async def next_account(self) -> list[AccountEvent]:
        """Wait until order updates or fills are buffered, then drain them (as `drain_account`)."""
        buffer = self._output.account
        while not buffer:
            buffer.arrived.clear()
            await buffer.arrived.wait()
        return self.drain_account()

    def stats(self) -> StreamStats:
        return self._counters.snapshot(
            connected=self._connected,
            healthy=self._healthy,
            fallback_active=self._fallback is not None and self._fallback.active,
        )

    @property
    def name(self) -> str:
        return self._transport.name

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    @property
    def healthy(self) -> bool:
        return self._healthy

    async def wait_healthy(self, timeout_s: float) -> bool:
        try:
            async with asyncio.timeout(timeout_s):
                await self._healthy_event.wait()
        except TimeoutError:
            return False
        return True

    # ---- supervision --------------------------------------------------------------------------

    async def _supervise(self) -> None:
        first = True
        while True:
            try:
                session = await self._open_until_connected()
                if not first:
                    self._counters.reconnects += 1
                    self._logger.info("%s: reconnected", self._transport.name)
                first = False
                await self._watch(session)
            except Exception as exc:  # a bug must not end supervision; log it and go round again
                self._log.log(
                    logging.ERROR,
                    "supervisor",
                    "%s: supervisor error %s: %s",
                    self._transport.name,
                    type(exc).__name__,
                    exc,
                )
            await asyncio.sleep(self._backoff.next_delay())

    async def _open_until_connected(self) -> IStreamSession:
        while True:
            session = await self._try_open()
            if session is not None:
                return session
            self._ensure_fallback()
            await asyncio.sleep(self._backoff.next_delay())

    async def _try_open(self) -> IStreamSession | None:
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the inner call finishes, and a cancelled supervisor must stop.
            async with asyncio.timeout(self._connect_timeout_s):
                return await self._transport.open(self._symbols, self._output)
        except Exception as exc:  # transports raise StreamClosed; anything else is treated alike
            self._counters.connect_failures += 1
            self._log.warning(
                "connect", "%s: cannot connect: %s", self._transport.name, describe(exc)
            )
            return None

    async def _watch(self, session: IStreamSession) -> None:
        """Run one session (and its successors after rotations) until it ends or stalls."""
        counters = self._counters
        self._connected = True
        reader = self._spawn_reader(session)
        opened_at = self._now()
        live_at_open = counters.data_messages
        stall = StallDetector(self._heartbeat_s) if self._heartbeat_s is not None else None
        if stall is None:
            self._set_healthy()
        else:
            stall.reset(live_at_open, opened_at)
        self._resyncs.schedule()
        rotate_after = self._transport.rotate_after_s
        rotate_at = opened_at + rotate_after if rotate_after is not None else None
        try:
            while True:
                # Until the first data arrives, look often: that ends the REST fallback sooner.
                tick = self._tick_s if self._healthy else min(self._tick_s, _UNHEALTHY_TICK_S)
                await asyncio.wait((reader,), timeout=tick)
                if reader.done():
                    self._log_session_end(reader)
                    return
                now = self._now()
                live = counters.data_messages
                if not self._healthy and live != live_at_open:
                    self._set_healthy()
                if stall is not None and stall.stalled(live, now):
                    counters.stalls += 1
                    self._log.warning(
                        "stall",
                        "%s: no data for %.1fs although the socket is open; reconnecting",
                        self._transport.name,
                        stall.heartbeat_s,
                    )
                    return
                if rotate_at is not None and rotate_after is not None and now >= rotate_at:
                    fresh = await self._try_open()
                    if fresh is None:
                        # Keep the old connection and try again soon, well before the venue's cut.
                        rotate_at = now + min(60.0, rotate_after / 10)
                        continue
                    # The fresh connection is subscribed before the old one stops, and both are
                    # read for `rotation_overlap_s` (frames already in the old socket still count):
                    # no blind spot. What both carry is dropped as duplicate by the sequence checks.
                    old_reader, old_session = reader, session
                    session, reader = fresh, self._spawn_reader(fresh)
                    self._retire_later(old_reader, old_session)
                    counters.rotations += 1
                    rotate_at = self._now() + rotate_after
                    self._logger.info("%s: connection rotated", self._transport.name)
                self._compact_if_large()
        finally:
            reader.cancel()
            self._close_later(session)
            self._connected = False
            self._healthy = False
            self._healthy_event.clear()
            self._ensure_fallback()

    def _spawn_reader(self, session: IStreamSession) -> asyncio.Task[None]:
        task = asyncio.create_task(session.run(), name=f"stream-{self._transport.name}-reader")
        task.add_done_callback(_retrieve)
        return task

    def _log_session_end(self, reader: asyncio.Task[None]) -> None:
        exc = None if reader.cancelled() else reader.exception()
        reason = "closed" if exc is None else describe(exc)
        self._log.warning("ended", "%s: stream ended: %s", self._transport.name, reason)

    def _close_later(self, session: IStreamSession) -> None:
        _track(self._closers, asyncio.create_task(_close_quietly(session)))

    def _retire_later(self, reader: asyncio.Task[None], session: IStreamSession) -> None:
        _track(self._retiring, asyncio.create_task(self._retire(reader, session)))

    async def _retire(self, reader: asyncio.Task[None], session: IStreamSession) -> None:
        try:
            await asyncio.wait((reader,), timeout=self._rotation_overlap_s)
        finally:
            reader.cancel()
            await _close_quietly(session)

    def _set_healthy(self) -> None:
        self._healthy = True
        self._healthy_event.set()
        self._backoff.reset()
        if self._fallback is not None:
            was_active = self._fallback.active
            if self._fallback.cancel() is not None and was_active:
                self._logger.info("%s: stream healthy again; REST fallback stopped", self.name)

    def _compact_if_large(self) -> None:
        buffer = self._output.market
        if len(buffer) > self._max_buffer:
            # Nobody drains (or too slowly): keep the newest mark per symbol and every candle.
            buffer[:] = coalesce_marks(buffer)

    # ---- REST fallback ------------------------------------------------------------------------

    def _ensure_fallback(self) -> None:
        if self._fallback is not None and self._symbols and not self._stopping:
            self._fallback.ensure(self._symbols)


def _retrieve(task: asyncio.Task[None]) -> None:
    """Fetch a finished reader's exception so asyncio does not report it as never retrieved."""
    if not task.cancelled():
        task.exception()


def _track(tasks: set[asyncio.Task[None]], task: asyncio.Task[None]) -> None:
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def _close_quietly(session: IStreamSession) -> None:
    try:
        await session.close()
    except Exception:
        return
