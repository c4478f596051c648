"""uvicorn's h11 protocol with one more bound: a connection must deliver a whole request head
within the idle timeout, counted from when it opened or its last response ended. uvicorn's own
keep-alive timer covers only a connection that sends nothing after a response, and any byte
cancels it: a connection that never sends, or sends a header a byte at a time, would otherwise
hold its slot for ever (the slow-loris attack)."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class BoundedH11Protocol(H11Protocol):
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        if not self.transport.is_closing():
            self._deadline = self.loop.call_later(self.timeout_keep_alive, self._expire, self.cycle)

    def _expire(self, armed: Any) -> None:
        # No new request began since the deadline was set (a request in progress has its own cycle).
        if self.cycle is armed and not self.transport.is_closing():
            self.transport.close()
