"""StopSignal: the run's stop request, for the waits that must not outlast it."""

from __future__ import annotations

import asyncio
import contextlib

from bot_v2.domain.errors import StopRequested


class StopSignal:
    """Set once by the bot's stop request (Ctrl-C, SIGTERM, the replay's end). Clocks sleep through
    `sleep`, which a stop request ends at once. A broker's retry backoff (`backoff`) and a history
    walk (`cutting`) are cut short too, but only while the bot runs its cycles (`armed`): not
    during its start, where a half-done first reconciliation would be stored as the starting point,
    nor during its shutdown, whose closing sync keeps its retries (a second signal ends that).

    The event binds to the running loop on first wait, so one can be built before the loop."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._armed = False

    def set(self) -> None:
        self._event.set()

    @property
    def is_set(self) -> bool:
        return self._event.is_set()

    def arm(self) -> None:
        self._armed = True

    def disarm(self) -> None:
        self._armed = False

    @property
    def cutting(self) -> bool:
        """Whether a wait inside a cycle should end now."""
        return self._armed and self._event.is_set()

    async def sleep(self, seconds: float) -> bool:
        """Sleep `seconds`, or less when a stop is requested. True when the full sleep was slept."""
        if self._event.is_set():
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout=seconds)
            return False
        return True

    async def backoff(self, seconds: float) -> None:
        """A broker's sleep before a retry. While armed, a stop request ends it with StopRequested:
        the call then fails as if the venue had not answered, an outcome every caller handles."""
        if self._armed:
            if not await self.sleep(seconds):
                raise StopRequested("stop requested: not waiting to retry")
            return
        await asyncio.sleep(seconds)
