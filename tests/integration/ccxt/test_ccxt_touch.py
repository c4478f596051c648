"""The touch (ports/touch.py) through the real ccxt client, and a maker entry's order at it: the
venue's best bid and ask as its own endpoint gives them (Binance's book ticker, Bybit's and OKX's
tickers), and a post-only buy at the bid rests on every venue under the venue's own post-only
flag (Binance timeInForce GTX, Bybit PostOnly, OKX ordType post_only)."""

from __future__ import annotations

import asyncio

import pytest
from ccxt_harness import BTC, limit, submits, venue_and_broker
from tests.loopback import data

from bot_v2.domain.orders import OrderStatus, Side
from bot_v2.features.live_trade.maker.desk import maker_price
from bot_v2.ports.touch import ITouch

VENUES = ["binanceusdm", "bybit", "okx"]
POST_ONLY_FLAG = {
    "binanceusdm": ("timeInForce", "GTX"),
    "bybit": ("timeInForce", "PostOnly"),
    "okx": ("ordType", "post_only"),
}


@pytest.mark.parametrize("venue_id", VENUES)
def test_touch_and_a_post_only_entry_at_it_rest_on_every_venue(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            assert isinstance(broker, ITouch)
            touch = await broker.fetch_touch(BTC)
            spec = (await broker.load_markets([BTC]))[BTC]
            price = maker_price(touch, Side.BUY, spec.tick_size)
            size = "0.010"
            placed = await broker.submit_order(
                limit("mk1", Side.BUY, size, str(price), post_only=True)
            )
            sent = submits(venue)
            open_orders = await broker.fetch_open_orders([BTC])
        last = data.last_close("BTCUSDT")
        # The loopback books quote one tick under the last price to the last price.
        assert (touch.bid, touch.ask) == (last - spec.tick_size, last)
        assert price == touch.bid
        assert placed.status is OrderStatus.NEW and placed.filled == 0
        assert [o.client_order_id for o in open_orders] == ["mk1"]
        name, flag = POST_ONLY_FLAG[venue_id]
        assert [r.param(name) for r in sent] == [flag]

    asyncio.run(run())
