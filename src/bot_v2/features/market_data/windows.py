"""A bounded window of closed candles for one symbol, with gap detection on append.

The candles are kept as plain tuples of their numbers, not as Candle objects: a bot with a thousand
symbols keeps half a million of them, and tuples of numbers are the only containers Python's garbage
collector stops tracking, so they cost nothing in its full collections (which otherwise paused a
cycle for a fifth of a second). Candles are rebuilt when the window is read."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from decimal import Decimal

from bot_v2.domain.market import Candle, Gap

# (timestamp_ms, open, high, low, close, volume)
_Row = tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal]


class CandleWindow:
    def __init__(self, symbol: str, timeframe_ms: int, capacity: int) -> None:
        self.symbol = symbol
        self.timeframe_ms = timeframe_ms
        self._rows: deque[_Row] = deque(maxlen=capacity)

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Candle]:
        return (self._candle(row) for row in self._rows)

    def recent(self, count: int) -> list[Candle]:
        """The last `count` candles, oldest first (only those are rebuilt)."""
        rows = self._rows
        start = max(0, len(rows) - max(0, count))
        return [self._candle(rows[i]) for i in range(start, len(rows))]

    @property
    def last(self) -> Candle | None:
        return self._candle(self._rows[-1]) if self._rows else None

    def append(self, candle: Candle) -> tuple[bool, Gap | None]:
        """(accepted, gap). A candle at or before the last one is a duplicate and is ignored; a
        candle further than one step ahead is kept but the hole is reported, never bridged."""
        rows = self._rows
        last_ms = rows[-1][0] if rows else None
        if last_ms is not None and candle.timestamp_ms <= last_ms:
            return False, None
        gap = None
        if last_ms is not None and candle.timestamp_ms - last_ms > self.timeframe_ms:
            gap = Gap(self.symbol, self.timeframe_ms, last_ms, candle.timestamp_ms)
        c = candle
        rows.append((c.timestamp_ms, c.open, c.high, c.low, c.close, c.volume))
        return True, gap

    def _candle(self, row: _Row) -> Candle:
        return Candle(self.symbol, self.timeframe_ms, *row)
