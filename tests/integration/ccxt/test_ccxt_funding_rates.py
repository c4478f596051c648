"""IFundingRates over the real ccxt client against each loopback venue (Binance premiumIndex,
Bybit tickers, OKX public/funding-rate): the venue's rate for the next settlement, per symbol, as
the funding guard's RiskContextSource asks it."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from ccxt_harness import BTC, ETH, venue_and_broker

VENUES = ["binanceusdm", "bybit", "okx"]


@pytest.mark.parametrize("venue_id", VENUES)
def test_next_funding_rates_are_the_venues_rates(venue_id: str) -> None:
    async def run() -> dict[str, Decimal]:
        async with venue_and_broker(venue_id) as (venue, broker):
            now = venue.clock()
            venue.settle_funding(BTC, "0.00071", time_ms=now - 3_600_000)
            venue.settle_funding(ETH, "-0.00023", time_ms=now - 3_600_000)
            return await broker.next_funding_rates([BTC, ETH])

    assert asyncio.run(run()) == {BTC: Decimal("0.00071"), ETH: Decimal("-0.00023")}
