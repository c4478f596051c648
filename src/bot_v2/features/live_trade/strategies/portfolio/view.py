"""HistoryView: what a portfolio strategy may read, the closed candles of its symbols up to the
cycle's time and nothing after.

Look-ahead is impossible by construction: the view holds only candles it has been handed, and the
book hands it a candle only after the strategy orchestrator checked it closed by the cycle's time.
A later candle is not anywhere the strategy can reach; asking for one (`candle(symbol, -1)`, a
negative age) raises ReadAhead rather than quietly answering the newest.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from bot_v2.domain.market import Candle


class ReadAhead(LookupError):
    """A strategy asked for a candle after the cycle's time."""


class HistoryView:
    """Per symbol the last `depth` closed candles, oldest first. Strategies only read it."""

    def __init__(self, symbols: Iterable[str], depth: int) -> None:
        self._depth = max(depth, 1)
        self._candles: dict[str, deque[Candle]] = {s: deque(maxlen=self._depth) for s in symbols}
        self._now_ms = 0
        self._fresh: tuple[str, ...] = ()

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self._candles)

    @property
    def now_ms(self) -> int:
        """The close time of the newest candle the view holds: the cycle's time as the strategy
        sees it."""
        return self._now_ms

    @property
    def fresh(self) -> tuple[str, ...]:
        """The symbols whose candle closing at `now_ms` arrived in this step."""
        return self._fresh

    def count(self, symbol: str) -> int:
        return len(self._candles[symbol])

    def candle(self, symbol: str, ago: int = 0) -> Candle:
        """The closed candle `ago` candles before the newest (0: the newest). A negative `ago` is a
        look at the future: ReadAhead."""
        if ago < 0:
            raise ReadAhead(
                f"{symbol}: candle {-ago} after the cycle's time {self._now_ms} cannot be read"
            )
        candles = self._candles[symbol]
        if ago >= len(candles):
            raise IndexError(f"{symbol}: only {len(candles)} closed candles held, asked {ago} ago")
        return candles[-1 - ago]

    def closes(self, symbol: str, n: int) -> list[float]:
        """The last `n` closes (fewer when fewer are held), oldest first, as floats."""
        candles = self._candles[symbol]
        start = max(len(candles) - n, 0)
        return [float(candles[i].close) for i in range(start, len(candles))]

    def record(self, candles: Iterable[Candle], now_ms: int) -> None:
        """The book's door (not the strategy's): candles closing at `now_ms`, already checked."""
        fresh = []
        for candle in candles:
            held = self._candles.get(candle.symbol)
            if held is None:
                continue
            if candle.close_time_ms > now_ms:
                raise ReadAhead(f"{candle.symbol} candle closes after {now_ms}")
            held.append(candle)
            fresh.append(candle.symbol)
        self._now_ms = now_ms
        self._fresh = tuple(fresh)
