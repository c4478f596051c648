"""IMarketData: request/response market data (REST), used for warm-up and as the stream's fallback."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal, Protocol

import attrs

from bot_v2.domain.market import Candle, Mark, MarketSpec


class IMarketData(Protocol):
    async def fetch_candles(
        self, symbol: str, timeframe_ms: int, since_ms: int | None, limit: int
    ) -> list[Candle]:
        """Closed candles, oldest first."""

    async def fetch_marks(self, symbols: Sequence[str]) -> list[Mark]: ...


# ---- a venue's public history (`perps-bot data download`) ---------------------------------------

# What a download fetches per symbol: trade-price candles, mark-price candles, funding rates.
SeriesKind = Literal["candles", "mark", "funding"]
SERIES_KINDS: tuple[SeriesKind, ...] = ("candles", "mark", "funding")


@attrs.frozen
class FundingRecord:
    """One settlement of a funding rate as the venue lists it (rate per settlement, 0.0001 = 0.01 %)."""

    symbol: str
    timestamp_ms: int
    rate: Decimal


class IVenueHistory(Protocol):
    """A venue's public history, page by page, without keys. Each page answers one bounded ask; the
    caller checks it (symbol, range, grid) and never trusts the venue to have paged right."""

    @property
    def exchange_id(self) -> str: ...

    async def open(self) -> None:
        """Loads the venue's markets; no credentials are used."""

    async def close(self) -> None: ...

    def timeframes(self) -> Sequence[str]:
        """The candle timeframes the venue serves (ccxt style: 1m, 1h, ...)."""

    def page_limit(self, kind: SeriesKind) -> int:
        """The most rows one request of this kind may return."""

    async def market_rules(self, symbols: Sequence[str]) -> dict[str, MarketSpec]:
        """Each symbol's trading rules, with its leverage tiers where the venue publishes them;
        raises InvalidSymbol for a symbol the venue does not list as a linear perpetual."""

    async def candle_page(
        self,
        symbol: str,
        timeframe: str,
        kind: SeriesKind,
        since_ms: int,
        until_ms: int,
        limit: int,
    ) -> list[Candle]:
        """Closed candles (kind "candles") or mark-price candles ("mark") with open times in
        [since_ms, until_ms], as the venue answered them (unchecked)."""

    async def funding_page(
        self, symbol: str, since_ms: int, until_ms: int, limit: int
    ) -> list[FundingRecord]:
        """Funding rates settled in [since_ms, until_ms], as the venue answered them (unchecked)."""
