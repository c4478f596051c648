"""The venue's public market data for a paper bot: a ccxt client built without any credentials, so
it cannot sign a request (ccxt refuses to sign without a key). Candles, marks, market rules and the
funding rate history; leverage tiers only where the venue serves them unsigned."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from bot_v2.adapters.brokers.ccxt import convert
from bot_v2.adapters.brokers.ccxt.market_data import CcxtMarketData
from bot_v2.adapters.brokers.ccxt.retry import RetryPolicy, Sleep
from bot_v2.adapters.venues.venue import Venue


@attrs.frozen
class FundingRatePoint:
    """A funding settlement the venue published: when, and the rate."""

    timestamp_ms: int
    rate: Decimal


class PublicMarketData(CcxtMarketData):
    """IMarketData plus load_markets and funding history, with no key, secret or password at all:
    the constructor takes none, and `ccxt_config` with credentials is refused by the config."""

    def __init__(
        self,
        venue: Venue,
        *,
        ccxt_config: Mapping[str, Any] | None = None,
        sandbox: bool = False,
        quote_asset: str = "USDT",
        retry: RetryPolicy | None = None,
        sleep: Sleep | None = None,
        stopping: Callable[[], bool] | None = None,
        now_ms: Callable[[], int] | None = None,
    ) -> None:
        super().__init__(
            venue,
            ccxt_config=ccxt_config,
            sandbox=sandbox,
            retry=retry,
            quote_asset=quote_asset,
            sleep=sleep,
            stopping=stopping,
            now_ms=now_ms,
        )

    @property
    def can_sign(self) -> bool:
        """Never: no credentials were given, and none can be given later."""
        return self._has_credentials

    async def fetch_funding_history(self, symbol: str, since_ms: int) -> list[FundingRatePoint]:
        """The funding rates the venue settled from `since_ms` on (its public history), oldest
        first; an empty list where the venue has no such history in ccxt."""
        await self._ensure_markets()
        unified, _ = self._market(symbol)
        if not self._exchange.has.get("fetchFundingRateHistory"):
            return []
        rows = await self._call(
            f"fetch_funding_rate_history {unified}",
            self._exchange.fetch_funding_rate_history,
            unified,
            since_ms,
        )
        points = {
            int(r["timestamp"]): FundingRatePoint(
                int(r["timestamp"]), convert.dec0(r.get("fundingRate"))
            )
            for r in rows or []
            if r.get("timestamp") is not None and int(r["timestamp"]) >= since_ms
        }
        return [points[t] for t in sorted(points)]
