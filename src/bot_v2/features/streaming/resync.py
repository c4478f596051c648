"""Resyncs: after every connect the runtime fetches the private data (fills, funding) a stream may
have missed while it was down; this runs those fetches one at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot_v2.features.streaming.counters import StreamCounters
from bot_v2.features.streaming.errors import describe
from bot_v2.features.streaming.ratelimited_log import RateLimitedLog

OnResync = Callable[[], Awaitable[None]]


class Resyncs:
    """Owned by StreamingService. `hook` reads the service's `on_resync` at each call, since the
    runtime may set it after the service was built."""

    def __init__(
        self,
        hook: Callable[[], OnResync | None],
        *,
        name: str,
        counters: StreamCounters,
        log: RateLimitedLog,
    ) -> None:
        self._hook = hook
        self._name = name
        self._counters = counters
        self._log = log
        self._wanted = False
        self._task: asyncio.Task[None] | None = None

    def schedule(self) -> None:
        """Calls are serialised: a reconnect during a running resync queues exactly one more."""
        if self._hook() is None:
            return
        self._wanted = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    def cancel(self) -> asyncio.Task[None] | None:
        """Stop resyncing; returns the cancelled task (None when none ran) for the caller to await."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        return task

    async def _run(self) -> None:
        while self._wanted and (on_resync := self._hook()) is not None:
            self._wanted = False
            try:
                await on_resync()
                self._counters.resyncs += 1
            except Exception as exc:
                self._counters.resync_failures += 1
                self._log.warning(
                    "resync", "%s: resync after connect failed: %s", self._name, describe(exc)
                )
