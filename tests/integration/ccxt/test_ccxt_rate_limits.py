"""Rate limits and bans on the loopback Binance, through the real ccxt client: a 429's Retry-After
is waited out (up to the policy's cap), and a 418 ban stops every call until it lifts, without a
request reaching the venue meanwhile. Sleeps and the clock are fakes: no test waits."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from ccxt_harness import BTC, SleepRecorder, market, venue_and_broker
from tests.loopback.server import ManualClock

from bot_v2.adapters.brokers.ccxt import RetryPolicy
from bot_v2.adapters.brokers.ccxt.limits import retry_after_s
from bot_v2.domain.errors import RateLimited, VenueBanned
from bot_v2.domain.orders import Side

START_MS = 1_760_000_000_000


def _signed(venue: object) -> int:
    return len([r for r in venue.requests if r.api_key is not None])  # type: ignore[attr-defined]


def test_a_429_is_retried_after_the_time_it_names() -> None:
    sleep = SleepRecorder()

    async def run() -> None:
        async with venue_and_broker("binanceusdm", sleep=sleep) as (venue, broker):
            venue.faults.retry_after_s = "7"
            venue.faults.rate_limit_next(1)
            balance = await broker.fetch_balance()
        assert balance.total == Decimal(10000)

    asyncio.run(run())
    # The policy's own backoff is at most 10 ms: the wait is the venue's.
    assert sleep.delays == [7.0]


def test_a_retry_after_beyond_the_cap_fails_the_call_and_holds_further_calls_back() -> None:
    sleep = SleepRecorder()
    clock = ManualClock(START_MS)
    policy = RetryPolicy(
        max_attempts=4, base_delay_s=0.002, max_delay_s=0.01, seed=7, max_retry_after_s=5
    )

    async def run() -> None:
        async with venue_and_broker("binanceusdm", sleep=sleep, retry=policy, now_ms=clock) as (
            venue,
            broker,
        ):
            venue.faults.retry_after_s = "60"
            venue.faults.rate_limit_next(1)
            with pytest.raises(RateLimited, match="429"):
                await broker.fetch_balance()
            sent = _signed(venue)
            clock.advance(30_000)
            with pytest.raises(RateLimited, match="not sent"):
                await broker.fetch_positions([BTC])
            assert _signed(venue) == sent  # refused locally
            clock.advance(30_000)
            assert (await broker.fetch_balance()).total == Decimal(10000)

    asyncio.run(run())
    assert sleep.delays == []


@pytest.mark.parametrize("header", [True, False])
def test_a_418_bans_every_call_until_it_lifts_and_none_reaches_the_venue(header: bool) -> None:
    """The ban's end comes from Retry-After, or from Binance's "banned until <ms>" text."""
    sleep = SleepRecorder()
    clock = ManualClock(START_MS)

    async def run() -> None:
        async with venue_and_broker(
            "binanceusdm", sleep=sleep, now_ms=clock, venue_kwargs={"clock": clock}
        ) as (venue, broker):
            venue.faults.ban_next(1, retry_after_s=600, header=header)
            with pytest.raises(VenueBanned) as caught:
                await broker.fetch_balance()
            assert caught.value.until_ms == START_MS + 600_000
            sent, posts = _signed(venue), len(venue.recorded("/fapi/v1/order", method="POST"))
            clock.advance(599_000)
            with pytest.raises(VenueBanned, match="not sent"):
                await broker.fetch_positions([BTC])
            with pytest.raises(VenueBanned):
                await broker.submit_order(market("ban-1", Side.BUY, "0.010"))
            with pytest.raises(VenueBanned):
                await broker.fetch_order(BTC, "ban-1")
            assert _signed(venue) == sent
            assert len(venue.recorded("/fapi/v1/order", method="POST")) == posts
            clock.advance(1_000)
            assert (await broker.fetch_balance()).total == Decimal(10000)

    asyncio.run(run())
    assert sleep.delays == []  # a ban is never retried


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    at = 1_445_412_420_000  # Wed, 21 Oct 2015 07:27:00 GMT
    assert retry_after_s({"Retry-After": "12"}, at) == 12.0
    assert retry_after_s({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, at) == 60.0
    assert retry_after_s({"Retry-After": "Wed, 21 Oct 2015 07:26:00 GMT"}, at) == 0.0
    assert retry_after_s({"Retry-After": "soon"}, at) is None
    assert retry_after_s({}, at) is None
    assert retry_after_s(None, at) is None
