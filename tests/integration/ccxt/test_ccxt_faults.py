"""Faults at the venue: an order whose answer is lost is never sent twice; rate limits back off and
then succeed; answers are not retried; reads retry within the budget and then give up."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from ccxt_harness import BTC, SleepRecorder, limit, market, submits, venue_and_broker

from bot_v2.domain.errors import AuthenticationFailed, ExchangeUnavailable, InsufficientFunds
from bot_v2.domain.orders import OrderStatus, Side

VENUES = ["binanceusdm", "bybit"]


@pytest.mark.parametrize("venue_id", VENUES)
@pytest.mark.parametrize("mode", ["5xx", "timeout"])
def test_a_lost_answer_on_submit_yields_exactly_one_order(venue_id: str, mode: str) -> None:
    sleep = SleepRecorder()

    async def run() -> None:
        # A short client timeout and a server that holds the answer longer.
        async with venue_and_broker(venue_id, sleep=sleep, ccxt_extra={"timeout": 300}) as (
            venue,
            broker,
        ):
            venue.faults.timeout_delay_s = 1.0
            venue.faults.fail_next_submits(1, mode)  # type: ignore[arg-type]
            order = await broker.submit_order(market("lost-1", Side.BUY, "0.010"))
            stored = venue.orders()
            posts = submits(venue)
        assert [o["client_id"] for o in stored] == ["lost-1"]
        assert len(posts) == 1
        assert order.client_order_id == "lost-1"
        assert order.status is OrderStatus.FILLED
        assert order.exchange_order_id == str(stored[0]["order_id"])

    asyncio.run(run())
    assert len(sleep.delays) == 1 and sleep.delays[0] > 0


@pytest.mark.parametrize("venue_id", VENUES)
def test_a_lagging_lookup_then_a_duplicate_id_still_yields_one_order(venue_id: str) -> None:
    """The venue stored the order but its query side lags: our lookup misses it, so we send again,
    and the venue refuses the client id as taken; that refusal proves the first attempt landed."""

    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            venue.faults.fail_next_submits(1, "5xx")
            # Binance answers a lookup with one query, Bybit with two (open, then history).
            venue.faults.hide_next_lookups(1 if venue_id == "binanceusdm" else 2)
            order = await broker.submit_order(limit("lag-1", Side.BUY, "0.010", "90000.0"))
            stored = venue.orders()
            posts = submits(venue)
        assert [o["client_id"] for o in stored] == ["lag-1"]
        assert len(posts) == 2  # the second was refused as a duplicate
        assert order.client_order_id == "lag-1" and order.status is OrderStatus.NEW

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_rate_limited_submit_backs_off_then_succeeds(venue_id: str) -> None:
    sleep = SleepRecorder()

    async def run() -> None:
        async with venue_and_broker(venue_id, sleep=sleep) as (venue, broker):
            venue.faults.rate_limit_next(1)
            order = await broker.submit_order(market("rl-1", Side.BUY, "0.010"))
            stored = venue.orders()
            posts = submits(venue)
        assert order.status is OrderStatus.FILLED
        assert [o["client_id"] for o in stored] == ["rl-1"]
        assert len(posts) == 2  # the limited one, then the real one

    asyncio.run(run())
    assert len(sleep.delays) == 1 and sleep.delays[0] > 0


@pytest.mark.parametrize("venue_id", VENUES)
def test_insufficient_margin_is_an_answer_not_retried(venue_id: str) -> None:
    sleep = SleepRecorder()

    async def run() -> None:
        async with venue_and_broker(venue_id, sleep=sleep, venue_kwargs={"balance": "20"}) as (
            venue,
            broker,
        ):
            with pytest.raises(InsufficientFunds):
                await broker.submit_order(market("poor-1", Side.BUY, "0.010"))
            assert len(submits(venue)) == 1
            assert venue.orders() == []

    asyncio.run(run())
    assert sleep.delays == []


@pytest.mark.parametrize("venue_id", VENUES)
def test_a_bad_key_is_not_retried(venue_id: str) -> None:
    sleep = SleepRecorder()

    async def run() -> None:
        async with venue_and_broker(
            venue_id, sleep=sleep, api_key="wrong-key-0000", start=False
        ) as (venue, broker):
            with pytest.raises(AuthenticationFailed):
                await broker.fetch_balance()
            signed = [r for r in venue.requests if r.api_key is not None]
            assert len(signed) == 1

    asyncio.run(run())
    assert sleep.delays == []


@pytest.mark.parametrize("venue_id", VENUES)
def test_reads_retry_through_gateway_errors_and_give_up_after_the_budget(venue_id: str) -> None:
    sleep = SleepRecorder()

    async def run() -> None:
        async with venue_and_broker(venue_id, sleep=sleep) as (venue, broker):
            venue.faults.server_error_next(2, status=502)
            balance = await broker.fetch_balance()
            assert balance.total == Decimal(10000)
            assert len(sleep.delays) == 2
            venue.faults.server_error_next(10, status=502)
            with pytest.raises(ExchangeUnavailable, match="502"):
                await broker.fetch_positions([BTC])
            # Four attempts in all: three backoffs.
            assert len(sleep.delays) == 2 + 3

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_a_lost_answer_on_cancel_reports_the_cancelled_order(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            await broker.submit_order(limit("cx-1", Side.BUY, "0.010", "90000.0"))
            venue.faults.fail_next_cancels(1, "5xx")
            cancelled = await broker.cancel_order(BTC, "cx-1")
            assert [o["status"] for o in venue.orders()] == ["CANCELED"]
        assert cancelled.client_order_id == "cx-1"
        assert cancelled.status is OrderStatus.CANCELED

    asyncio.run(run())
