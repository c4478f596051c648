"""IClock drives the cycle: a replay clock jumps to the next candle, a live clock sleeps."""

from __future__ import annotations

from typing import Protocol


class IClock(Protocol):
    def now_ms(self) -> int: ...

    async def wait_next(self) -> bool:
        """Wait until the next cycle is due. False when there is no next cycle: a replay is
        exhausted, or a stop was requested while waiting (the wait ends at once)."""

    def progress(self) -> float | None:
        """Share of the run done, 0..1, when the clock knows its end (replays); None when live."""
