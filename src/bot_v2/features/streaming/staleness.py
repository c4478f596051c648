"""Mark staleness: a symbol whose last mark is too old blocks new entries; reducing stays allowed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from bot_v2.domain.market import Mark


@attrs.frozen
class StalenessReport:
    """`stale` maps each stale symbol to the reason /health shows."""

    stale: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def ok(self) -> bool:
        return not self.stale

    def allows_entry(self, symbol: str) -> bool:
        """New exposure needs a fresh mark."""
        return symbol not in self.stale

    def allows_reduce(self, symbol: str) -> bool:
        """Closing or reducing a position is always allowed: a stale price must not trap us."""
        return True

    @property
    def reason(self) -> str:
        return "; ".join(f"{symbol}: {why}" for symbol, why in sorted(self.stale.items()))


class StalenessGuard:
    def __init__(self, max_mark_staleness_s: Decimal | float | int) -> None:
        limit = Decimal(str(max_mark_staleness_s))
        if limit <= 0:
            raise ValueError(f"max_mark_staleness_s must be > 0, got {max_mark_staleness_s}")
        self.max_age_s = float(limit)

    def assess_ages(self, ages_s: Mapping[str, float | None]) -> StalenessReport:
        """`ages_s` holds each symbol's mark age in seconds, None when no mark was seen yet."""
        stale: dict[str, str] = {}
        for symbol, age in ages_s.items():
            if age is None:
                stale[symbol] = "no mark received yet"
            elif age > self.max_age_s:
                stale[symbol] = f"last mark {age:.1f}s old > {self.max_age_s:g}s"
        return StalenessReport(stale=stale)

    def assess(
        self, symbols: Iterable[str], latest: Mapping[str, Mark], now_ms: int
    ) -> StalenessReport:
        """Ages from the marks' own timestamps. A clock ahead of ours gives a negative age: count 0."""
        ages: dict[str, float | None] = {}
        for symbol in symbols:
            mark = latest.get(symbol)
            ages[symbol] = None if mark is None else max(0, now_ms - mark.timestamp_ms) / 1000.0
        return self.assess_ages(ages)
