"""A venue's public history over ccxt, without keys (IVenueHistory): candles (fetchOHLCV), mark-price
candles (fetchOHLCV with price="mark"), funding-rate history (fetchFundingRateHistory) and the market
rules with the leverage tiers the venue publishes. Every call goes through the session's calls:
ccxt's own throttle (enableRateLimit), 429s waited out as the venue's Retry-After says, bans kept
locally, transient failures retried."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot_v2.adapters.brokers.ccxt import convert
from bot_v2.adapters.brokers.ccxt.market_data import CcxtMarketData
from bot_v2.domain.market import Candle, MarketSpec
from bot_v2.features.market_data.timeframes import timeframe_to_ms
from bot_v2.ports.market_data import FundingRecord, SeriesKind

# Rows per page for a kind the venue's profile does not bound.
DEFAULT_PAGE_LIMIT = 100


class CcxtPublicHistory(CcxtMarketData):
    """Construct without credentials; `open`, ask pages, `close`."""

    async def open(self) -> None:
        await self._ensure_markets()

    def timeframes(self) -> Sequence[str]:
        return list(self._exchange.timeframes or {})

    def page_limit(self, kind: SeriesKind) -> int:
        return self._venue.public_page_limits.get(kind, DEFAULT_PAGE_LIMIT)

    async def market_rules(self, symbols: Sequence[str]) -> dict[str, MarketSpec]:
        return await self.load_markets(symbols)

    async def candle_page(
        self,
        symbol: str,
        timeframe: str,
        kind: SeriesKind,
        since_ms: int,
        until_ms: int,
        limit: int,
    ) -> list[Candle]:
        unified, _ = self._market(symbol)
        params: dict[str, Any] = {"until": self._until(until_ms)}
        end_param = self._venue.candle_end_seconds_param
        if end_param is not None:
            params = {end_param: until_ms // 1000}
        if kind == "mark":
            params["price"] = "mark"
        rows = await self._call(
            f"fetch_ohlcv {kind} {unified} {timeframe}",
            self._exchange.fetch_ohlcv,
            unified,
            timeframe,
            since_ms,
            limit,
            params,
        )
        timeframe_ms = timeframe_to_ms(timeframe)
        now = self._now_ms()
        # A candle still forming is not a fact yet (the range asked for ends before it anyway).
        return [
            convert.candle(r, unified, timeframe_ms)
            for r in rows or []
            if int(r[0]) + timeframe_ms <= now
        ]

    async def funding_page(
        self, symbol: str, since_ms: int, until_ms: int, limit: int
    ) -> list[FundingRecord]:
        unified, _ = self._market(symbol)
        params: dict[str, Any] = {"until": self._until(until_ms)}
        window = self._venue.rate_window_params
        if window is not None:
            # ccxt sends only the lower bound (OKX: `before`); the upper one (OKX's `after`: older
            # than, exclusive) bounds the page to the ask.
            params = {window[1]: until_ms + 1}
        rows = await self._call(
            f"fetch_funding_rate_history {unified}",
            self._exchange.fetch_funding_rate_history,
            unified,
            since_ms,
            limit,
            params,
        )
        if self._venue.rate_history_unbounded:
            rows = [r for r in rows or [] if int(r.get("timestamp") or 0) <= until_ms]
        return [
            FundingRecord(
                symbol=str(r.get("symbol") or ""),
                timestamp_ms=int(r.get("timestamp") or 0),
                rate=convert.dec0(r.get("fundingRate")),
            )
            for r in rows or []
        ]

    def _until(self, until_ms: int) -> int:
        return until_ms + 1 if self._venue.until_exclusive else until_ms
