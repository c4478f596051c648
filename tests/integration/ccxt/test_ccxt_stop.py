"""The bot's stop request reaches the ccxt broker's waits: while the bot runs its cycles, a retry's
backoff ends at once and a history walk stops before its next page, each with StopRequested (an
ExchangeUnavailable: the call's outcome is unknown, as after a timeout). Outside the cycles
(start, the closing sync) the same backoff is slept and the call retried as before."""

from __future__ import annotations

import asyncio

import pytest
from ccxt_harness import BTC, venue_and_broker

from bot_v2.adapters.brokers.ccxt import RetryPolicy
from bot_v2.adapters.clock.stop import StopSignal
from bot_v2.domain.errors import ExchangeUnavailable, StopRequested

# One retry, after a backoff far longer than the test's timeout: only a stop can end it early.
SLOW_RETRY = RetryPolicy(max_attempts=2, base_delay_s=3_600, max_delay_s=3_600, budget_s=7_200)
# Where ccxt reads a Binance USDⓈ-M balance.
ACCOUNT = "/fapi/v3/account"
FAST_RETRY = RetryPolicy(max_attempts=2, base_delay_s=0.01, max_delay_s=0.01, seed=1)


def test_a_stop_ends_a_retry_backoff_in_a_cycle() -> None:
    stop = StopSignal()
    stop.arm()

    async def run() -> None:
        async with venue_and_broker("binanceusdm", retry=SLOW_RETRY, sleep=stop.backoff) as (
            venue,
            broker,
        ):
            venue.faults.server_error_next(1, path_contains=ACCOUNT)
            call = asyncio.ensure_future(broker.fetch_balance())
            for _ in range(6_000):
                if any(r.status == 502 for r in venue.recorded(ACCOUNT)):
                    break
                await asyncio.sleep(0.01)
            stop.set()
            with pytest.raises(StopRequested):
                await asyncio.wait_for(call, timeout=60)

    asyncio.run(run())
    assert issubclass(StopRequested, ExchangeUnavailable)


def test_outside_the_cycles_a_stop_leaves_the_retry_alone() -> None:
    stop = StopSignal()
    stop.set()  # requested, but not armed: start or the closing sync

    async def run() -> None:
        async with venue_and_broker("binanceusdm", retry=FAST_RETRY, sleep=stop.backoff) as (
            venue,
            broker,
        ):
            venue.faults.server_error_next(1, path_contains=ACCOUNT)
            balance = await broker.fetch_balance()
            assert balance.total > 0
            assert [r.status for r in venue.recorded(ACCOUNT)][-2:] == [502, 200]

    asyncio.run(run())


def test_a_stop_ends_a_history_walk_before_its_next_page() -> None:
    stopping = False

    async def run() -> None:
        async with venue_and_broker("binanceusdm", stopping=lambda: stopping) as (venue, broker):
            assert await broker.fetch_fills([BTC], 0) == []
            walked = len(venue.recorded("userTrades"))
            assert walked > 1  # a long walk: many windows of history
            nonlocal stopping
            stopping = True
            with pytest.raises(StopRequested, match="history read not finished"):
                await broker.fetch_fills([BTC], 0)
            assert len(venue.recorded("userTrades")) == walked

    asyncio.run(run())
