"""No history storms: an idle account is not walked over the venue's whole history at start and
again every cycle. History starts at the bot's first start (less a look-back), and a range once
found empty is not asked about again; fills made later are still found. Counted in requests the
loopback venue received, never in time."""

from __future__ import annotations

import asyncio

import pytest
from ccxt_harness import BTC, market, venue_and_broker

from bot_v2.domain.orders import Side

VENUES = ["binanceusdm", "bybit"]
HISTORY = {"binanceusdm": ("userTrades", "income"), "bybit": ("execution/list", "execution/list")}
HOUR_MS = 3_600_000


def _asked(venue: object, venue_id: str, kind: int) -> int:
    return len(venue.recorded(HISTORY[venue_id][kind]))  # type: ignore[attr-defined]


@pytest.mark.parametrize("venue_id", VENUES)
def test_history_before_the_first_start_is_never_asked_for(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            broker.set_history_start(venue.clock() - HOUR_MS)
            assert await broker.fetch_fills([BTC], 0) == []
            fills_asked = len(venue.recorded(HISTORY[venue_id][0]))
            assert await broker.fetch_funding([BTC], 0) == []
            all_asked = len(venue.recorded(HISTORY[venue_id][1]))
        # One window of the venue's span holds the hour: one request each, not 180 days' worth.
        assert fills_asked == 1
        assert all_asked == (2 if venue_id == "bybit" else 1)

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_an_empty_range_is_walked_once_and_later_fills_are_still_found(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            assert await broker.fetch_fills([BTC], 0) == []
            first_walk = _asked(venue, venue_id, 0)
            for _ in range(3):  # later cycles, same since: only the new stretch is asked for
                assert await broker.fetch_fills([BTC], 0) == []
            repeat_walks = _asked(venue, venue_id, 0) - first_walk
            await broker.submit_order(market("late-1", Side.BUY, "0.010"))
            fills = await broker.fetch_fills([BTC], 0)
        assert first_walk > 3  # the venue's full history, window by window
        assert repeat_walks == 3
        assert [f.client_order_id for f in fills] == ["late-1"]

    asyncio.run(run())
