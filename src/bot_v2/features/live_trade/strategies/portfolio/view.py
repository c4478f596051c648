"""HistoryView: what a portfolio strategy may read, the closed candles of its symbols up to the
cycle's time and the funding rates in force at its decision times, and nothing after.

Look-ahead is impossible by construction: the view holds only candles it has been handed, and the
book hands it a candle only after the strategy orchestrator checked it closed by the cycle's time.
A later candle is not anywhere the strategy can reach; asking for one (`candle(symbol, -1)`, a
negative age) raises ReadAhead rather than quietly answering the newest.

Funding: at the decision on the cycle's newest candles the orchestrator asks IFundingRates (a
replay answers the last rate settled at or before its clock, which stands at that close; a venue
its published rate) and the view keeps the rate stamped with the view's time; a rate stamped after
the view's time is refused (ReadAhead). A catch-up's earlier candles get no rate (one asked now
could have settled after them), so the strategy keeps the last it had.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from bot_v2.domain.market import Candle


class ReadAhead(LookupError):
    """A strategy asked for a candle or funding rate after the cycle's time."""


@attrs.frozen
class FundingSample:
    """The funding rate (per settlement, 0.0001 = 1 bp) in force at `at_ms`, a decision time."""

    at_ms: int
    rate: Decimal


class HistoryView:
    """Per symbol the last `depth` closed candles, oldest first. Strategies only read it."""

    def __init__(self, symbols: Iterable[str], depth: int, funding_depth: int = 0) -> None:
        self._depth = max(depth, 1)
        self._candles: dict[str, deque[Candle]] = {s: deque(maxlen=self._depth) for s in symbols}
        # Funding samples kept per symbol (0: the strategy reads none, none are kept).
        self._funding: dict[str, deque[FundingSample]] = {
            s: deque(maxlen=max(funding_depth, 0)) for s in self._candles
        }
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

    def funding_count(self, symbol: str) -> int:
        return len(self._funding[symbol])

    def funding(self, symbol: str, ago: int = 0) -> FundingSample:
        """The funding sample `ago` decisions before the newest (0: the newest). A negative `ago`
        is a look at the future: ReadAhead."""
        if ago < 0:
            raise ReadAhead(
                f"{symbol}: funding {-ago} after the cycle's time {self._now_ms} cannot be read"
            )
        samples = self._funding[symbol]
        if ago >= len(samples):
            raise IndexError(f"{symbol}: only {len(samples)} funding samples held, asked {ago} ago")
        return samples[-1 - ago]

    def funding_rates(self, symbol: str, n: int) -> list[float]:
        """The last `n` funding rates (fewer when fewer are held), oldest first, as floats."""
        samples = self._funding[symbol]
        start = max(len(samples) - n, 0)
        return [float(samples[i].rate) for i in range(start, len(samples))]

    def record_funding(self, rates: Mapping[str, Decimal], now_ms: int) -> None:
        """The book's door: the rates in force at `now_ms`, which must be the view's time (the
        candles closing then were recorded first)."""
        if now_ms > self._now_ms:
            raise ReadAhead(f"funding at {now_ms} is after the cycle's time {self._now_ms}")
        for symbol, rate in rates.items():
            held = self._funding.get(symbol)
            if held is not None and held.maxlen:
                held.append(FundingSample(now_ms, rate))

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
