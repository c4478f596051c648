"""Ordering checks for pushed data: drop what is older than what we have, count what went missing.

Both trackers count into StreamCounters themselves, so a parser just asks "accept this?"."""

from __future__ import annotations

from bot_v2.domain.market import Candle, Gap
from bot_v2.features.streaming.counters import StreamCounters


class SequenceTracker:
    """Per key (a symbol), the last accepted sequence value (update id, event time).

    A value equal to the last is a duplicate (typical during a connection rotation, when two
    connections carry the same messages); a lower one is out of order. Both are rejected. When
    `max_step` is set, a jump larger than it is accepted but counted as a gap."""

    __slots__ = ("_counters", "_last", "max_step")

    def __init__(self, counters: StreamCounters, max_step: int | None = None) -> None:
        self._counters = counters
        self._last: dict[str, int] = {}
        self.max_step = max_step

    def accept(self, key: str, seq: int) -> bool:
        last = self._last.get(key)
        if last is not None:
            if seq <= last:
                if seq == last:
                    self._counters.duplicates += 1
                else:
                    self._counters.out_of_order += 1
                return False
            if self.max_step is not None and seq - last > self.max_step:
                self._counters.gaps += 1
        self._last[key] = seq
        return True

    def last(self, key: str) -> int | None:
        return self._last.get(key)


class ClosedCandleTracker:
    """Closed candles per symbol: each open time is delivered once, in order; holes are reported."""

    __slots__ = ("_counters", "_last", "last_gap")

    def __init__(self, counters: StreamCounters) -> None:
        self._counters = counters
        self._last: dict[str, int] = {}
        self.last_gap: Gap | None = None

    def accept(self, candle: Candle) -> bool:
        last = self._last.get(candle.symbol)
        if last is not None:
            if candle.timestamp_ms <= last:
                if candle.timestamp_ms == last:
                    self._counters.duplicates += 1
                else:
                    self._counters.out_of_order += 1
                return False
            if candle.timestamp_ms - last > candle.timeframe_ms:
                self._counters.gaps += 1
                self.last_gap = Gap(candle.symbol, candle.timeframe_ms, last, candle.timestamp_ms)
        self._last[candle.symbol] = candle.timestamp_ms
        return True


class RecentKeys:
    """A bounded set of recently seen event keys: account events repeat when two connections overlap."""

    __slots__ = ("_order", "_seen", "capacity")

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._seen: set[object] = set()
        self._order: list[object] = []

    def first_time(self, key: object) -> bool:
        if key in self._seen:
            return False
        self._seen.add(key)
        self._order.append(key)
        if len(self._order) > self.capacity:
            # Forget the older half at once: amortised O(1), no deque rotation per event.
            half = len(self._order) // 2
            for old in self._order[:half]:
                self._seen.discard(old)
            del self._order[:half]
        return True
