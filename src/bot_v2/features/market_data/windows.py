"""A bounded window of closed candles for one symbol, with gap detection on append."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from bot_v2.domain.market import Candle, Gap


class CandleWindow:
    def __init__(self, symbol: str, timeframe_ms: int, capacity: int) -> None:
        self.symbol = symbol
        self.timeframe_ms = timeframe_ms
        self._candles: deque[Candle] = deque(maxlen=capacity)

    def __len__(self) -> int:
        return len(self._candles)

    def __iter__(self) -> Iterator[Candle]:
        return iter(self._candles)

    @property
    def last(self) -> Candle | None:
        return self._candles[-1] if self._candles else None

    def append(self, candle: Candle) -> tuple[bool, Gap | None]:
        """(accepted, gap). A candle at or before the last one is a duplicate and is ignored; a
        candle further than one step ahead is kept but the hole is reported, never bridged."""
        last = self.last
        if last is not None and candle.timestamp_ms <= last.timestamp_ms:
            return False, None
        gap = None
        if last is not None and candle.timestamp_ms - last.timestamp_ms > self.timeframe_ms:
            gap = Gap(self.symbol, self.timeframe_ms, last.timestamp_ms, candle.timestamp_ms)
        self._candles.append(candle)
        return True, gap
