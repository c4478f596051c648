"""Balance, positions, leverage and margin mode through the real ccxt client."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from ccxt_harness import BTC, ETH, market, venue_and_broker
from tests.loopback.book import TAKER_FEE

from bot_v2.domain.orders import Side

VENUES = ["binanceusdm", "bybit", "okx"]
# OKX sets leverage per margin mode with its own parameters: test_ccxt_okx.py has its test.
BINANCE_AND_BYBIT = ["binanceusdm", "bybit"]


@pytest.mark.parametrize("venue_id", VENUES)
def test_balance_is_the_wallet_and_what_is_free(venue_id: str) -> None:
    """total: realized cash (fees paid, unrealized PnL excluded, as the simulated exchange reports
    it); free: what the venue says is available for new margin."""

    async def run() -> None:
        async with venue_and_broker(venue_id, venue_kwargs={"balance": "2500"}) as (venue, broker):
            before = await broker.fetch_balance()
            order = await broker.submit_order(market("b1", Side.BUY, "0.010"))
            venue.set_price(BTC, order.average_price + 100)  # type: ignore[operator]
            after = await broker.fetch_balance()
        assert before.asset == "USDT"
        assert before.total == before.free == Decimal(2500)
        fee = Decimal("0.010") * order.average_price * TAKER_FEE  # type: ignore[operator]
        assert after.total == Decimal(2500) - fee
        # free: equity (wallet + 1 USDT unrealized) less the position's initial margin at 20x.
        margin = Decimal("0.010") * (order.average_price + 100) / 20  # type: ignore[operator]
        assert after.free == after.total + 1 - margin

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_positions_are_signed_and_carry_entry_mark_liquidation_and_pnl(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            assert await broker.fetch_positions([BTC, ETH]) == []
            await broker.set_leverage(BTC, Decimal(5))
            long = await broker.submit_order(market("p1", Side.BUY, "0.020"))
            short = await broker.submit_order(market("p2", Side.SELL, "0.500", symbol=ETH))
            venue.set_price(BTC, long.average_price - 1000)  # type: ignore[operator]
            reports = {p.symbol: p for p in await broker.fetch_positions([BTC, ETH])}
            only_btc = await broker.fetch_positions([BTC])
        btc, eth = reports[BTC], reports[ETH]
        assert btc.size == Decimal("0.02") and eth.size == Decimal("-0.5")
        assert btc.entry_price == long.average_price
        assert eth.entry_price == short.average_price
        assert btc.mark_price == long.average_price - 1000  # type: ignore[operator]
        assert btc.unrealized_pnl == Decimal("-20")
        # Long at 5x: liquidation below entry; short: above.
        assert btc.liquidation_price is not None and btc.liquidation_price < btc.entry_price
        assert eth.liquidation_price is not None and eth.liquidation_price > eth.entry_price
        assert [p.symbol for p in only_btc] == [BTC]

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", BINANCE_AND_BYBIT)
def test_set_leverage_reaches_the_venue_and_repeating_it_is_fine(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            await broker.set_leverage(BTC, Decimal(7))
            await broker.set_leverage(BTC, Decimal(7))
            assert venue.book.leverage_of("BTCUSDT") == 7
            sent = venue.recorded("leverage", method="POST")
        assert len(sent) == 2
        param = "leverage" if venue_id == "binanceusdm" else "buyLeverage"
        assert [r.param(param) for r in sent] == ["7", "7"]
        if venue_id == "bybit":
            # Bybit answers the repeat with 110043 "leverage not modified": not an error.
            assert '"retCode": 110043' in sent[1].response

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", VENUES)
def test_margin_mode_switches_and_repeating_it_is_fine(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (venue, broker):
            await broker.set_margin_mode(BTC, "isolated")
            await broker.set_margin_mode(BTC, "isolated")
            assert venue.book.margin_mode_of("BTCUSDT") == "isolated"
            await broker.submit_order(market("m1", Side.BUY, "0.010"))
            reports = await broker.fetch_positions([BTC])
        if venue_id in ("binanceusdm", "okx"):
            # Bybit's unified account reports no per-position mode (ccxt leaves it unset).
            assert reports[0].margin_mode == "isolated"

    asyncio.run(run())
