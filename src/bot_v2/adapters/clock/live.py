"""LiveClock implements IClock on the wall clock: cycles start on interval boundaries, so a 60 s
interval runs just after each minute's candle closes. A stop request ends the wait at once."""

from __future__ import annotations

import time

from bot_v2.adapters.clock.stop import StopSignal


class LiveClock:
    def __init__(
        self, interval_s: float, settle_s: float = 1.0, stop: StopSignal | None = None
    ) -> None:
        self._interval_s = interval_s
        # Venues publish a closed candle a moment after the boundary.
        self._settle_s = settle_s
        self._first = True
        self._stop = stop or StopSignal()

    def now_ms(self) -> int:
        return int(time.time() * 1000)

    async def wait_next(self) -> bool:
        if self._first:
            self._first = False
            return True
        now = time.time()
        next_at = (now // self._interval_s + 1) * self._interval_s + self._settle_s
        return await self._stop.sleep(max(0.0, next_at - now))

    def progress(self) -> float | None:
        return None
