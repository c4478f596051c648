"""Stall detection: an open socket that carries no data is as useless as a closed one."""

from __future__ import annotations


class StallDetector:
    """Watches a counter of data messages. Stalled when the counter has not moved for `heartbeat_s`.
    Comparing a counter keeps the hot path free of clock reads: only the watchdog reads the clock."""

    def __init__(self, heartbeat_s: float) -> None:
        if heartbeat_s <= 0:
            raise ValueError(f"heartbeat_s must be > 0, got {heartbeat_s}")
        self.heartbeat_s = heartbeat_s
        self._count = 0
        self._changed_at = 0.0

    def reset(self, count: int, now: float) -> None:
        self._count = count
        self._changed_at = now

    def silent_for(self, count: int, now: float) -> float:
        if count != self._count:
            self.reset(count, now)
        return now - self._changed_at

    def stalled(self, count: int, now: float) -> bool:
        return self.silent_for(count, now) >= self.heartbeat_s
