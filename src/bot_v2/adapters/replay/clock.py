"""ReplayClock implements IClock by jumping to the next candle close instead of sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence


class ReplayClock:
    def __init__(self, timeline: Sequence[int], pace_s: float = 0.0) -> None:
        if not timeline:
            raise ValueError("a replay needs at least one candle")
        self._timeline = list(timeline)
        self._index = -1
        self._pace_s = pace_s

    def now_ms(self) -> int:
        return self._timeline[max(self._index, 0)]

    async def wait_next(self) -> bool:
        if self._index + 1 >= len(self._timeline):
            return False
        if self._pace_s > 0 and self._index >= 0:
            await asyncio.sleep(self._pace_s)
        self._index += 1
        return True

    def progress(self) -> float | None:
        return (self._index + 1) / len(self._timeline)
