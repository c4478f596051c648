"""ReplayClock implements IClock by jumping to the next candle close instead of sleeping (or after
`pace_s` of wall-clock time, which a stop request cuts short)."""

from __future__ import annotations

from collections.abc import Sequence

from bot_v2.adapters.clock.stop import StopSignal


class ReplayClock:
    def __init__(
        self, timeline: Sequence[int], pace_s: float = 0.0, stop: StopSignal | None = None
    ) -> None:
        if not timeline:
            raise ValueError("a replay needs at least one candle")
        self._timeline = list(timeline)
        self._index = -1
        self._pace_s = pace_s
        self._stop = stop or StopSignal()
        # The time is set when the clock moves, not looked up on each of the cycle's many reads.
        self._now_ms = self._timeline[0]

    def now_ms(self) -> int:
        return self._now_ms

    async def wait_next(self) -> bool:
        if self._index + 1 >= len(self._timeline):
            return False
        if self._pace_s > 0 and self._index >= 0 and not await self._stop.sleep(self._pace_s):
            return False
        self._move(self._index + 1)
        return True

    def progress(self) -> float | None:
        return (self._index + 1) / len(self._timeline)

    @property
    def index(self) -> int:
        """The tick the clock is at (-1 before the first)."""
        return self._index

    @property
    def timeline(self) -> Sequence[int]:
        return self._timeline

    def jump_to(self, index: int) -> None:
        """Move straight to a later tick: a fast backtest skips ticks where nothing can happen."""
        if not self._index <= index < len(self._timeline):
            raise ValueError(f"cannot jump from tick {self._index} to {index}")
        self._move(index)

    def _move(self, index: int) -> None:
        self._index = index
        self._now_ms = self._timeline[index]
