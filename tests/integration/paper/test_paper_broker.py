"""PaperBroker against the loopback Binance USDⓈ-M venue in process, through the real ccxt client:
the venue's rules at start, its closed candles feeding the sim, its published funding rates settled
on the sim's position, and not one signed request (the public client has no key to sign with).

The venue runs on a manual clock a day in the past, so the test closes candles when it chooses."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path

import pytest

from bot_v2.adapters.brokers.ccxt.public import PublicMarketData
from bot_v2.adapters.brokers.paper.broker import PaperBroker
from bot_v2.adapters.brokers.paper.feed import LiveFeed
from bot_v2.adapters.brokers.sim.settings import SimSettings
from bot_v2.adapters.venues import registry
from bot_v2.domain.orders import OrderRequest, OrderType, Side
from tests.loopback import BinanceUsdmVenue, BybitVenue, LoopbackVenue, ccxt_config_for
from tests.loopback.server import ManualClock

BTC = "BTC/USDT:USDT"
MINUTE = 60_000


VENUES = {"binanceusdm": BinanceUsdmVenue, "bybit": BybitVenue}


def signed(venue: LoopbackVenue) -> int:
    return sum(1 for r in venue.requests if r.api_key or r.param("signature") or r.param("sign"))


@pytest.mark.parametrize("exchange", sorted(VENUES))
def test_the_sim_trades_on_the_venue_candles_and_pays_its_funding(
    tmp_path: Path, exchange: str
) -> None:
    start = (int(time.time() * 1000) - 86_400_000) // MINUTE * MINUTE
    clock = ManualClock(start)

    async def run() -> None:
        venue = VENUES[exchange](prices={"BTCUSDT": "20000"}, clock=clock)
        await venue.start()
        public = PublicMarketData(
            registry.venue(exchange), ccxt_config=ccxt_config_for(exchange, venue.url), now_ms=clock
        )
        broker = PaperBroker(
            public,
            LiveFeed([BTC], MINUTE),
            SimSettings(spread_bps=Decimal(0), slippage=Decimal(0)),
            "USDT",
            tmp_path / "sim.db",
            poll_s=3600,  # the test refreshes by hand
            given={},
            snapshot_tiers=lambda symbol: (),
        )
        try:
            await broker.start()
            spec = (await broker.load_markets([BTC]))[BTC]
            assert spec.step_size == Decimal("0.001")  # the venue's LOT_SIZE, not a made-up one
            await broker.set_leverage(BTC, Decimal(2))
            order = await broker.submit_order(
                OrderRequest("p-1", BTC, Side.BUY, OrderType.MARKET, Decimal("0.1"))
            )
            assert order.filled == Decimal("0.1")
            # A settlement published mid-candle at 1 %, then the candle closes at 21,000.
            clock.advance(MINUTE // 2)
            venue.settle_funding("BTCUSDT", "0.01")
            venue.set_price("BTCUSDT", "21000")
            clock.advance(MINUTE // 2)
            await broker.refresh()
            funding = await broker.fetch_funding([BTC], 0)
            positions = await broker.fetch_positions([BTC])
        finally:
            await broker.close()
            await venue.stop()
        # Settled at the venue's time and rate; a long pays 0.1 BTC at the mark then times 1 %.
        (payment,) = funding
        assert (payment.timestamp_ms, payment.rate) == (start + MINUTE // 2, Decimal("0.01"))
        assert payment.position_size == Decimal("0.1")
        assert payment.amount == -Decimal("0.1") * payment.mark_price * Decimal("0.01") < 0
        assert positions[0].mark_price > Decimal(20500)  # the candle that closed near 21,000
        assert signed(venue) == 0 and venue.requests
        assert venue.orders() == []

    asyncio.run(run())


def test_a_restarted_paper_exchange_reads_the_candles_it_was_down_for(tmp_path: Path) -> None:
    """The bot stops, eight minutes pass on the venue; the restarted exchange asks the venue for
    every candle since its own clock (not only the latest few), and catches up through them."""
    start = (int(time.time() * 1000) - 86_400_000) // MINUTE * MINUTE
    clock = ManualClock(start)

    def paper(public: PublicMarketData) -> PaperBroker:
        return PaperBroker(
            public,
            LiveFeed([BTC], MINUTE),
            SimSettings(),
            "USDT",
            tmp_path / "sim.db",
            poll_s=3600,
            given={},
            snapshot_tiers=lambda symbol: (),
        )

    async def run() -> tuple[int | None, int | None, list[str]]:
        venue = BinanceUsdmVenue(prices={"BTCUSDT": "20000"}, clock=clock)
        await venue.start()
        config = ccxt_config_for("binanceusdm", venue.url)
        try:
            broker = paper(
                PublicMarketData(registry.venue("binanceusdm"), ccxt_config=config, now_ms=clock)
            )
            await broker.start()
            await broker.submit_order(
                OrderRequest("p-1", BTC, Side.BUY, OrderType.MARKET, Decimal("0.1"))
            )
            stopped_at = broker.exchange.clock_ms
            await broker.close()
            clock.advance(8 * MINUTE)
            seen = len(venue.recorded("/fapi/v1/klines"))
            again = paper(
                PublicMarketData(registry.venue("binanceusdm"), ccxt_config=config, now_ms=clock)
            )
            await again.start()
            try:
                await again.fetch_positions([BTC])
                resumed_at = again.exchange.clock_ms
            finally:
                await again.close()
            asked = [r.query.get("startTime", "") for r in venue.recorded("/fapi/v1/klines")[seen:]]
        finally:
            await venue.stop()
        return stopped_at, resumed_at, asked

    stopped_at, resumed_at, asked = asyncio.run(run())
    assert stopped_at == start
    assert asked[0] == str(start - MINUTE)  # from the candle that closed at the exchange's clock
    assert resumed_at == start + 8 * MINUTE
