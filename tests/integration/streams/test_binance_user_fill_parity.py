"""A fill from the user data stream is the very Fill the REST sync builds for the same execution
(trade id `t` == ccxt trade `id`, and every other field), so the ledger books it once whichever
path brings it first. REST side: the real ccxt broker against the loopback Binance venue; stream
side: the ORDER_TRADE_UPDATE frames Binance pushes for the same executions, through the parser."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

from bot_v2.adapters.brokers.ccxt import CcxtBroker
from bot_v2.adapters.venues import registry
from bot_v2.adapters.venues.binanceusdm.user_parser import BinanceUserDataParser
from bot_v2.domain.fills import Fill
from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.features.streaming import RateLimitedLog, StreamOutput
from tests.loopback import API_KEY, API_SECRET, BinanceUsdmVenue, ccxt_config_for
from wsloopback.binance_user import trade_update

BTC = "BTC/USDT:USDT"


def test_stream_fills_equal_rest_fills_field_by_field() -> None:
    async def scenario() -> tuple[list[Fill], list[Fill]]:
        async with BinanceUsdmVenue(prices={"BTCUSDT": "20000"}) as venue:
            broker = CcxtBroker(
                registry.venue("binanceusdm"),
                API_KEY,
                API_SECRET,
                ccxt_config=ccxt_config_for("binanceusdm", venue.url),
            )
            try:
                await broker.start()
                await broker.load_markets([BTC])
                for cid, side, size in (
                    ("bot-p-1", Side.BUY, "0.010"),
                    ("bot-p-2", Side.SELL, "0.004"),
                ):
                    request = OrderRequest(cid, BTC, side, OrderType.MARKET, Decimal(size))
                    await broker.submit_order(request)
                rest = await broker.fetch_fills([BTC], 0)
            finally:
                await broker.close()
            orders = {o.order_id: o for o in venue.book.orders}
            frames = [trade_update(t, orders[t.order_id]) for t in venue.book.trades]
        output = StreamOutput()
        parser = BinanceUserDataParser(output, RateLimitedLog(logging.getLogger("test")))
        for frame in frames:
            parser.feed(frame.encode())
        streamed = [e for e in output.account if isinstance(e, Fill)]
        return rest, streamed

    rest, streamed = asyncio.run(scenario())
    assert len(rest) >= 2
    assert streamed == rest
    assert [f.client_order_id for f in streamed][:1] == ["bot-p-1"]
