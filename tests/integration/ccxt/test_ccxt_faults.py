"""Faults at the venue: an order whose answer is lost is never sent twice; rate limits back off and
then succeed; answers are not retried; reads retry within the budget and then give up."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from ccxt_harness import BTC, SleepRecorder, limit, market, submits, venue_and_broker

from bot_v2.domain.errors import (
    AuthenticationFailed,
    ExchangeUnavailable,
    InsufficientFunds,
    OrderOutcomeUnknown,
)
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


# Venue queries a broker lookup makes: Binance asks by client id once, Bybit open then history.
LOOKUP_QUERIES = {"binanceusdm": 1, "bybit": 2}


@pytest.mark.parametrize("venue_id", VENUES)
@pytest.mark.parametrize("mode", ["5xx", "timeout"])
def test_a_lost_answer_with_a_lagging_lookup_is_never_sent_again(venue_id: str, mode: str) -> None:
    """The venue took the order and filled it, its answer was lost, and its read side lags: the
    next three lookups by client id answer "no such order". Sending again would double the
    position (Binance takes a reused client id once the first order filled), so the broker sends
    nothing more: it says the outcome is unknown, and a lookup after the lag finds the order."""
    lag = 3

    async def run() -> None:
        async with venue_and_broker(venue_id, ccxt_extra={"timeout": 300}) as (venue, broker):
            venue.faults.timeout_delay_s = 1.0
            venue.faults.fail_next_submits(1, mode)  # type: ignore[arg-type]
            venue.faults.hide_next_lookups(lag * LOOKUP_QUERIES[venue_id])
            with pytest.raises(OrderOutcomeUnknown, match="lag-1"):
                await broker.submit_order(market("lag-1", Side.BUY, "0.010"))
            assert len(submits(venue)) == 1
            # Later cycles: lookups only, until the venue's read side has caught up.
            found = [await broker.fetch_order(BTC, "lag-1") for _ in range(lag)]
            positions = await broker.fetch_positions([BTC])
            stored = venue.orders()
            posts = submits(venue)
        assert found[:-1] == [None] * (lag - 1)
        assert found[-1] is not None and found[-1].status is OrderStatus.FILLED
        assert [o["client_id"] for o in stored] == ["lag-1"]
        assert len(posts) == 1
        assert [p.size for p in positions] == [Decimal("0.010")]

    asyncio.run(run())
    assert issubclass(OrderOutcomeUnknown, ExchangeUnavailable)


@pytest.mark.parametrize("venue_id", VENUES)
def test_a_retry_refused_as_a_duplicate_id_returns_the_order_that_holds_it(venue_id: str) -> None:
    """A retry follows only a rate limit; if the venue then refuses the client id as taken, the
    order holding it is the answer (here one placed before, still open), not an error."""

    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            first = await broker.submit_order(limit("dup-1", Side.BUY, "0.010", "90000.0"))
            venue.faults.rate_limit_next(1)
            again = await broker.submit_order(limit("dup-1", Side.BUY, "0.010", "90000.0"))
            stored = venue.orders()
            posts = submits(venue)
        assert [o["client_id"] for o in stored] == ["dup-1"]
        assert len(posts) == 3  # the first, the rate-limited one, the refused retry
        assert again.exchange_order_id == first.exchange_order_id
        assert again.status is OrderStatus.NEW

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
