"""Orders, fills, funding and market data through the real ccxt client, with our client order ids
arriving at the venue under the venue's own parameter name."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from ccxt_harness import (
    BTC,
    CLIENT_ID_PARAM,
    ETH,
    limit,
    market,
    submits,
    venue_and_broker,
)
from tests.loopback import data
from tests.loopback.book import MAKER_FEE, TAKER_FEE

from bot_v2.domain.errors import InvalidOrder
from bot_v2.domain.orders import OrderStatus, OrderType, Side, TimeInForce

VENUES = ["binanceusdm", "bybit", "okx"]
# OKX asks for these with other parameters and answers them in its own words: its own tests are in
# test_ccxt_okx.py.
BINANCE_AND_BYBIT = ["binanceusdm", "bybit"]


@pytest.mark.parametrize("venue_id", VENUES)
@pytest.mark.parametrize("access", ["session", "urls"])
def test_market_order_fills_under_our_client_id(venue_id: str, access: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id, access=access) as (venue, broker):  # type: ignore[arg-type]
            order = await broker.submit_order(market("mkt1", Side.BUY, "0.015"))
            sent = submits(venue)
            stored = venue.orders()
        assert order.client_order_id == "mkt1"
        assert order.status is OrderStatus.FILLED
        assert order.type is OrderType.MARKET and order.side is Side.BUY
        assert order.size == order.filled == Decimal("0.015")
        assert order.average_price == data.last_close("BTCUSDT")
        assert [r.param(CLIENT_ID_PARAM[venue_id]) for r in sent] == ["mkt1"]
        assert [(o["client_id"], o["status"]) for o in stored] == [("mkt1", "FILLED")]
        assert order.exchange_order_id == str(stored[0]["order_id"])

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", BINANCE_AND_BYBIT)
def test_post_only_limit_rests_is_found_by_client_id_and_cancels(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            placed = await broker.submit_order(
                limit("lim1", Side.BUY, "0.010", "90000.0", post_only=True)
            )
            open_orders = await broker.fetch_open_orders([BTC, ETH])
            found = await broker.fetch_order(BTC, "lim1")
            cancelled = await broker.cancel_order(BTC, "lim1")
            after = await broker.fetch_open_orders([BTC])
            again = await broker.fetch_order(BTC, "lim1")
            sent = submits(venue)[0]
        assert placed.status is OrderStatus.NEW
        assert placed.price == Decimal("90000.0")
        assert [o.client_order_id for o in open_orders] == ["lim1"]
        assert found == placed
        assert cancelled.status is OrderStatus.CANCELED
        assert cancelled.client_order_id == "lim1"
        assert after == []
        assert again is not None and again.status is OrderStatus.CANCELED
        assert sent.param("timeInForce") == ("GTX" if venue_id == "binanceusdm" else "PostOnly")

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_post_only_that_would_take_is_not_filled(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            request = limit("potake", Side.BUY, "0.010", "200000.0", post_only=True)
            if venue_id == "binanceusdm":
                # Binance refuses it outright (-5022).
                with pytest.raises(InvalidOrder, match="-5022"):
                    await broker.submit_order(request)
            else:
                # Bybit and OKX accept and cancel it at once.
                order = await broker.submit_order(request)
                assert order.status is OrderStatus.CANCELED and order.filled == 0
            assert venue.book.position("BTCUSDT").size == 0

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", BINANCE_AND_BYBIT)
def test_ioc_limit_that_cannot_fill_does_not_rest(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            order = await broker.submit_order(
                limit("ioc1", Side.BUY, "0.010", "90000.0", tif=TimeInForce.IOC)
            )
            assert await broker.fetch_open_orders([BTC]) == []
            assert submits(venue)[0].param("timeInForce") == "IOC"
        # Binance reports EXPIRED; Bybit has no such status and reports it cancelled.
        expected = OrderStatus.EXPIRED if venue_id == "binanceusdm" else OrderStatus.CANCELED
        assert order.status is expected and order.filled == 0

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", BINANCE_AND_BYBIT)
def test_reduce_only_closes_and_is_refused_when_it_would_open(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            await broker.submit_order(market("open1", Side.BUY, "0.010"))
            closed = await broker.submit_order(
                market("close1", Side.SELL, "0.010", reduce_only=True)
            )
            assert venue.book.position("BTCUSDT").size == 0
            assert submits(venue)[1].param("reduceOnly") in ("true", "True")
            with pytest.raises(InvalidOrder, match=r"-2022|110017"):
                await broker.submit_order(market("close2", Side.SELL, "0.010", reduce_only=True))
        assert closed.status is OrderStatus.FILLED and closed.reduce_only

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_fetch_order_for_an_unknown_client_id_is_none(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (_, broker):
            assert await broker.fetch_order(BTC, "neversent") is None

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_off_grid_orders_and_bad_client_ids_never_leave_the_adapter(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            with pytest.raises(InvalidOrder, match=r"not a multiple of 0\.001"):
                await broker.submit_order(market("grid1", Side.BUY, "0.0105"))
            with pytest.raises(InvalidOrder, match=r"not a multiple of 0\.1$"):
                await broker.submit_order(limit("grid2", Side.BUY, "0.010", "90000.05"))
            with pytest.raises(InvalidOrder, match="client order id"):
                await broker.submit_order(market("spaces are not allowed", Side.BUY, "0.010"))
            with pytest.raises(InvalidOrder, match="post-only cannot be IOC"):
                await broker.submit_order(
                    limit(
                        "poioc", Side.BUY, "0.010", "90000.0", tif=TimeInForce.IOC, post_only=True
                    )
                )
            assert submits(venue) == []

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_fills_name_our_client_ids_oldest_first_with_fees_and_maker_flags(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            start = venue.clock()
            taker = await broker.submit_order(market("ftaker", Side.BUY, "0.020"))
            resting = await broker.submit_order(limit("fmaker", Side.SELL, "0.010", "110000.0"))
            venue.set_price(BTC, "110500")  # crosses the resting sell: it fills as maker
            fills = await broker.fetch_fills([BTC, ETH], start)
            later = await broker.fetch_fills([BTC], venue.clock() + 1)
        assert [f.client_order_id for f in fills] == ["ftaker", "fmaker"]
        assert [f.exchange_order_id for f in fills] == [
            taker.exchange_order_id,
            resting.exchange_order_id,
        ]
        first, second = fills
        assert (first.side, first.size, first.is_maker) == (Side.BUY, Decimal("0.02"), False)
        assert first.price == data.last_close("BTCUSDT")
        assert first.fee == Decimal("0.02") * first.price * TAKER_FEE
        assert (second.side, second.size, second.is_maker) == (Side.SELL, Decimal("0.01"), True)
        assert second.price == Decimal("110000.0")
        assert second.fee == Decimal("0.01") * Decimal(110000) * MAKER_FEE
        assert first.timestamp_ms <= second.timestamp_ms
        assert not first.liquidation and not second.liquidation
        assert later == []

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_funding_payments_carry_rate_mark_size_and_signed_amount(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            now = venue.clock()
            await broker.submit_order(market("fund1", Side.BUY, "0.020"))
            # Two settlements an hour apart, both in the past.
            venue.settle_funding(BTC, "0.0001", time_ms=now - 7_200_000)
            venue.set_price(BTC, "100000")
            venue.settle_funding(BTC, "-0.0002", time_ms=now - 3_600_000)
            payments = await broker.fetch_funding([BTC, ETH], now - 7_200_000)
            assert await broker.fetch_funding([BTC], now - 3_600_000 + 1) == []
            rate = await broker.fetch_funding_rate(BTC)
        entry = data.last_close("BTCUSDT")
        assert [(p.rate, p.mark_price, p.position_size) for p in payments] == [
            (Decimal("0.0001"), entry, Decimal("0.02")),
            (Decimal("-0.0002"), Decimal(100000), Decimal("0.02")),
        ]
        # A long pays positive funding and receives negative funding.
        assert payments[0].amount == -Decimal("0.02") * entry * Decimal("0.0001")
        assert payments[1].amount == Decimal("0.4")
        assert rate.rate == Decimal("-0.0002") and rate.mark_price == Decimal(100000)
        assert [p.timestamp_ms for p in payments] == [now - 7_200_000, now - 3_600_000]
        assert rate.next_funding_ms > rate.timestamp_ms

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_candles_are_closed_oldest_first_and_real_inside_the_bundled_window(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            live = await broker.fetch_candles(BTC, 60_000, None, 5)
            now = venue.clock()
            bundled = await broker.fetch_candles(BTC, 3_600_000, 1_704_067_200_000, 3)
        # The venue also returned the still-forming minute; only closed ones come back.
        assert 1 <= len(live) <= 4
        assert all(c.close_time_ms <= now for c in live)
        assert [c.timestamp_ms for c in live] == sorted(c.timestamp_ms for c in live)
        rows = data.candles("BTCUSDT", "1h")[:3]
        assert [(c.timestamp_ms, c.open, c.high, c.low, c.close, c.volume) for c in bundled] == [
            (t, Decimal(o), Decimal(h), Decimal(low), Decimal(c), Decimal(v))
            for t, o, h, low, c, v in rows
        ]

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_marks_follow_the_venue_price_table(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            venue.set_price(ETH, "3100.55")
            marks = {m.symbol: m.price for m in await broker.fetch_marks([BTC, ETH])}
        assert marks == {BTC: data.last_close("BTCUSDT"), ETH: Decimal("3100.55")}

    asyncio.run(run())
