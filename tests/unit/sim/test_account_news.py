"""SimBroker.take_account_news (ports.account_news): the fills and funding payments the exchange
made, each handed over once, all of them: what the account sync books every cycle instead of
asking the history again. Together the hand-overs are the venue's history as `fetch_fills` and
`fetch_funding` give it, also across a restart and when a call that moved the exchange failed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot_v2.adapters.brokers.sim.broker import SimBroker
from bot_v2.adapters.brokers.sim.lookahead import SkipQuiet
from bot_v2.domain.errors import InvalidOrder
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Side
from bot_v2.ports.account_news import IAccountNews
from tests.unit.sim._support import NO_COSTS, SPEC, SYMBOL, T0, Clock, H, bars, feed, limit, market

PRICES = [100.0 + i for i in range(48)]
FUNDING = [(T0 + 8 * H, "0.001"), (T0 + 16 * H, "0.001"), (T0 + 24 * H, "-0.002")]


def broker(clock: Clock, path: Path | None = None) -> SimBroker:
    return SimBroker(
        feed(bars(PRICES), FUNDING),
        clock,
        {SYMBOL: SPEC},
        NO_COSTS,
        state_path=path,
        look_ahead=SkipQuiet,
    )


def ids(news: tuple[Sequence[Fill], Sequence[FundingPayment]]) -> tuple[list[str], list[int]]:
    fills, funding = news
    return [f.client_order_id for f in fills], [p.timestamp_ms for p in funding]


def test_each_fill_and_payment_is_handed_over_once_and_all_are() -> None:
    async def run() -> None:
        clock = Clock(T0 + H)
        b = broker(clock)
        assert isinstance(b, IAccountNews)
        await b.start()
        await b.submit_order(market("n-1", Side.BUY, "2"))
        await b.submit_order(limit("n-2", Side.SELL, "1", "110"))  # fills as the price rises
        first = b.take_account_news()
        assert ids(first) == (["n-1"], [])
        assert ids(b.take_account_news()) == ([], [])
        clock.now = T0 + 20 * H  # brought up to the clock: the limit fills, funding settles twice
        second = b.take_account_news()
        assert ids(second) == (["n-2"], [T0 + 8 * H, T0 + 16 * H])
        assert ids(b.take_account_news()) == ([], [])
        assert [*first[0], *second[0]] == await b.fetch_fills([SYMBOL], 0)
        assert [*first[1], *second[1]] == await b.fetch_funding([SYMBOL], 0)

    asyncio.run(run())


def test_a_refused_call_still_hands_over_what_the_exchange_did_before_refusing() -> None:
    """The exchange catches up (fills a resting order) before it refuses an order: that fill is in
    the next hand-over, though the refused call returned no events."""

    async def run() -> None:
        clock = Clock(T0 + H)
        b = broker(clock)
        await b.start()
        await b.submit_order(market("r-1", Side.BUY, "1"))
        await b.submit_order(limit("r-2", Side.SELL, "1", "110"))
        assert ids(b.take_account_news()) == (["r-1"], [])
        clock.now = T0 + 15 * H
        with pytest.raises(InvalidOrder):  # flat again by then: nothing to reduce
            await b.submit_order(market("r-3", Side.SELL, "1", reduce_only=True))
        assert ids(b.take_account_news()) == (["r-2"], [T0 + 8 * H])

    asyncio.run(run())


def test_after_a_restart_the_first_hand_over_is_the_whole_history(tmp_path: Path) -> None:
    """The books skip what they have; a fill the process made and died before booking is there."""
    path = tmp_path / "sim.db"

    async def session_one() -> None:
        clock = Clock(T0 + H)
        b = broker(clock, path)
        await b.start()
        await b.submit_order(market("a-1", Side.BUY, "2"))
        b.take_account_news()
        clock.now = T0 + 10 * H
        await b.submit_order(market("a-2", Side.SELL, "1"))
        # killed before the next sync took a-2 and the 8h funding

    async def session_two() -> None:
        b = broker(Clock(T0 + 10 * H), path)
        await b.start()
        assert ids(b.take_account_news()) == (["a-1", "a-2"], [T0 + 8 * H])
        assert ids(b.take_account_news()) == ([], [])
        await b.close()

    asyncio.run(session_one())
    asyncio.run(session_two())
