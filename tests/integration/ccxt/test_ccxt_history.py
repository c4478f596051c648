"""Fill and funding history: paged in the venue's direction, windowed to the venue's span limit,
and resolved to our client order ids even by a broker that never placed the orders."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import attrs
import pytest
from ccxt_harness import BTC, FAST_RETRY, market, venue_and_broker
from tests.loopback import API_KEY, API_SECRET, TEST_DEFAULTS

from bot_v2.adapters.brokers.ccxt import CcxtBroker
from bot_v2.adapters.venues import registry
from bot_v2.domain.orders import Side

VENUES = ["binanceusdm", "bybit"]
DAY_MS = 86_400_000


@pytest.mark.parametrize("venue_id", VENUES)
def test_fills_span_many_pages_without_gaps_or_repeats(
    venue_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = registry.VENUES[venue_id]
    paged = attrs.evolve(found, profile=attrs.evolve(found.profile, history_page_limit=5))
    monkeypatch.setitem(registry.VENUES, venue_id, paged)

    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            start = venue.clock()
            for n in range(12):
                side = Side.BUY if n % 2 == 0 else Side.SELL
                await broker.submit_order(market(f"pg-{n:02d}", side, "0.001"))
            fills = await broker.fetch_fills([BTC], start)
            pages = len(venue.recorded("execution/list" if venue_id == "bybit" else "userTrades"))
        assert [f.client_order_id for f in fills] == [f"pg-{n:02d}" for n in range(12)]
        assert len({f.fill_id for f in fills}) == 12
        assert pages >= 3

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_history_walks_windows_of_the_venue_span(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            now = venue.clock()
            await broker.submit_order(market("w-1", Side.BUY, "0.010"))
            for days_ago in (20, 9, 1):
                venue.settle_funding(BTC, "0.0001", time_ms=now - days_ago * DAY_MS)
            payments = await broker.fetch_funding([BTC], now - 21 * DAY_MS)
            requests = venue.recorded("income" if venue_id == "binanceusdm" else "execution/list")
        assert [p.timestamp_ms for p in payments] == [now - d * DAY_MS for d in (20, 9, 1)]
        # 21 days at a 7-day span: four windows; no request spans more than seven days.
        assert len(requests) == 4
        for request in requests:
            start, end = int(request.param("startTime") or 0), int(request.param("endTime") or 0)
            assert 0 < end - start < 7 * DAY_MS

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_a_fresh_broker_names_the_client_ids_of_earlier_fills(venue_id: str) -> None:
    """Binance's fills do not carry the client id: a broker that did not place the orders (a
    restart) asks the venue for each unknown order once."""

    async def run() -> list[tuple[str, Decimal]]:
        async with venue_and_broker(venue_id) as (venue, placer):
            begin = venue.clock()
            await placer.submit_order(market("old-1", Side.BUY, "0.010"))
            await placer.submit_order(market("old-2", Side.SELL, "0.004"))
            session = venue.client_session()
            reader = CcxtBroker(
                registry.venue(venue_id),
                API_KEY,
                API_SECRET,
                ccxt_config=dict(TEST_DEFAULTS),
                session=session,
                retry=FAST_RETRY,
            )
            try:
                fills = await reader.fetch_fills([BTC], begin)
            finally:
                await reader.close()
                await session.close()
            lookups = [r.param("orderId") for r in venue.recorded("/fapi/v1/order", method="GET")]
        assert len(lookups) == (2 if venue_id == "binanceusdm" else 0)
        return [(f.client_order_id, f.size) for f in fills]

    assert asyncio.run(run()) == [("old-1", Decimal("0.01")), ("old-2", Decimal("0.004"))]
