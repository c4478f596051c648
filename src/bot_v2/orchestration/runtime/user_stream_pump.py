"""UserStreamPump: books the fills the venue's private stream pushes as they arrive, and resyncs over
REST after every connect of that stream, so a disconnect loses no fill.

The REST sync every cycle stays the backstop: a fill the pump cannot book (store error, a bug) is
logged, counted (`perps_errors_total{kind="user_stream"}`) and left to the next sync. Order updates
are not used here: orders are tracked by the execution path and reconciliation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from bot_v2.domain.fills import Fill
from bot_v2.features.live_trade.account_sync import AccountSync
from bot_v2.features.streaming.errors import describe
from bot_v2.features.streaming.output import AccountEvent
from bot_v2.features.streaming.service import StreamingService

log = logging.getLogger(__name__)


class UserStreamPump:
    def __init__(
        self,
        stream: StreamingService,
        account_sync: AccountSync,
        on_error: Callable[[str], None] = lambda kind: None,
    ) -> None:
        self._stream = stream
        self._sync = account_sync
        self._on_error = on_error
        # The connection (counted by the stream's `reconnects`) that the last completed resync
        # covers. While it is the current one, the stream has missed nothing since a REST sync,
        # and a booked fill may move the REST watermark (AccountSync.book_fill's `advance`).
        self._covered: int | None = None
        self._task: asyncio.Task[None] | None = None
        self.booked = 0
        self.failures = 0
        stream.on_resync = self._resync

    async def start(self) -> None:
        """Returns at once: the stream connects in the background (its first connect resyncs)."""
        if self._task is not None:
            return
        await self._stream.start()
        self._task = asyncio.create_task(self._run(), name="user-stream-pump")
        self._task.add_done_callback(_report_crash)

    async def stop(self) -> None:
        """Stops the stream, then books what it delivered before it stopped."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self._stream.stop()
        self.book(self._stream.drain_account())

    def book(self, events: Sequence[AccountEvent]) -> int:
        """Book the fills among `events`; returns how many were new to the ledger."""
        if not events:
            return 0
        connection = self._stream.stats().reconnects
        continuous = self._covered == connection
        booked = 0
        for event in events:
            if not isinstance(event, Fill):
                continue
            try:
                if self._sync.book_fill(event, advance=continuous):
                    booked += 1
            except Exception as exc:  # the REST sync books it instead; the bot keeps running
                # Later fills on this connection must not move the watermark past this one: it
                # counts as missed until a resync (or the cycle's sync) fetches it.
                self._covered = None
                continuous = False
                self.failures += 1
                self._on_error("user_stream")
                log.warning(
                    "user stream: could not book fill %s (%s); the next REST sync will",
                    event.fill_id,
                    describe(exc),
                )
        self.booked += booked
        return booked

    async def _run(self) -> None:
        while True:
            self.book(await self._stream.next_account())

    async def _resync(self) -> None:
        """After every connect: fills since the last one seen, over REST. Errors are the stream's
        to count and log (`resync_failures`); the cycle's own sync covers them too."""
        connection = self._stream.stats().reconnects
        await self._sync.sync()
        self._covered = connection


def _report_crash(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("user stream pump stopped: %s; fills come from the REST sync only", describe(exc))
