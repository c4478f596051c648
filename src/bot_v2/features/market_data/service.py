"""MarketDataService: takes drained stream events, keeps windows and latest marks, reports gaps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType

import attrs

from bot_v2.domain.market import Candle, Gap, Mark
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.features.market_data.windows import CandleWindow


@attrs.frozen
class IngestResult:
    new_candles: tuple[Candle, ...]
    gaps: tuple[Gap, ...]
    ignored: int


class MarketDataService:
    def __init__(self, symbols: Sequence[str], timeframe_ms: int, window: int = 500) -> None:
        self.symbols = tuple(normalize_symbol(s) for s in symbols)
        self.timeframe_ms = timeframe_ms
        self._windows = {s: CandleWindow(s, timeframe_ms, window) for s in self.symbols}
        self._marks: dict[str, Mark] = {}
        # Bumped whenever a mark changes; mark_prices() is rebuilt only then.
        self.marks_version = 0
        self._prices: tuple[int, Mapping[str, Decimal]] = (-1, {})
        # The newest ingest's new candles: in a cycle, the ones not yet handed to the strategy
        # (an operator's new strategy is warmed up on the others, then gets these as usual).
        self.last_new: tuple[Candle, ...] = ()
        # Bumped whenever a window takes a candle: what is computed from the windows (the risk
        # context's ATR) is recomputed only then.
        self.candles_version = 0

    def ingest(self, events: Iterable[Candle | Mark]) -> IngestResult:
        new: list[Candle] = []
        gaps: list[Gap] = []
        ignored = 0
        for event in events:
            if isinstance(event, Candle):
                window = self._windows.get(event.symbol)
                if window is None or event.timeframe_ms != self.timeframe_ms:
                    ignored += 1
                    continue
                accepted, gap = window.append(event)
                if not accepted:
                    ignored += 1
                    continue
                new.append(event)
                self.candles_version += 1
                if gap is not None:
                    gaps.append(gap)
                self._update_mark(Mark(event.symbol, event.close, event.close_time_ms))
            elif event.symbol in self._windows:
                self._update_mark(event)
            else:
                ignored += 1
        self.last_new = tuple(new)
        return IngestResult(self.last_new, tuple(gaps), ignored)

    def _update_mark(self, mark: Mark) -> None:
        current = self._marks.get(mark.symbol)
        if current is None or mark.timestamp_ms >= current.timestamp_ms:
            self._marks[mark.symbol] = mark
            self.marks_version += 1

    def mark(self, symbol: str) -> Mark | None:
        return self._marks.get(symbol)

    def mark_prices(self) -> Mapping[str, Decimal]:
        """The latest mark price by symbol (read-only: one mapping serves every caller until a
        mark changes, instead of a new one per decision)."""
        version, prices = self._prices
        if version != self.marks_version:
            prices = MappingProxyType({s: m.price for s, m in self._marks.items()})
            self._prices = (self.marks_version, prices)
        return prices

    def mark_ages_ms(self, now_ms: int) -> dict[str, int | None]:
        """Age of each symbol's latest mark; None when none has arrived yet."""
        return {
            s: (now_ms - m.timestamp_ms) if (m := self._marks.get(s)) else None
            for s in self.symbols
        }

    def candles(self, symbol: str) -> list[Candle]:
        return list(self._windows[symbol])

    def recent(self, symbol: str, count: int) -> list[Candle]:
        """The last `count` of `candles(symbol)`, without rebuilding the whole window."""
        return self._windows[symbol].recent(count)
