"""AccountSync over a venue that hands over its fills (ports.account_news, the sim broker): each
sync books what the venue handed over, through the Bookkeeper, without asking the venue's history;
a fill whose booking failed is booked by the next sync, and other markets' fills are not ours."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal

import pytest

from bot_v2.adapters.brokers.sim.broker import SimBroker
from bot_v2.adapters.brokers.sim.lookahead import SkipQuiet
from bot_v2.adapters.replay.csv_files import FundingPoint
from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.domain.positions import FillEffect
from bot_v2.features.live_trade.account_sync import AccountSync
from bot_v2.features.live_trade.accounting import Ledger
from tests.fakes.ports import FakeStore
from tests.unit.sim._support import NO_COSTS, SPEC, T0, Clock, H, _respec, bars

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
FUNDING = [FundingPoint(T0 + 8 * H, Decimal("0.001"))]


class CountingSim(SimBroker):
    """The sim broker, counting the history queries the account sync must no longer make."""

    asked = 0

    async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        self.asked += 1
        return await super().fetch_fills(symbols, since_ms)

    async def fetch_funding(self, symbols: Sequence[str], since_ms: int) -> list[FundingPayment]:
        self.asked += 1
        return await super().fetch_funding(symbols, since_ms)

    def account_version(self) -> int | None:
        self.asked += 1
        return super().account_version()


def venue(clock: Clock) -> CountingSim:
    prices = [100.0 + i for i in range(24)]
    series = {s: SymbolSeries(s, bars(prices, symbol=s), (), FUNDING) for s in (BTC, ETH)}
    markets = {s: _respec(SPEC, s) for s in (BTC, ETH)}
    return CountingSim(ReplayFeed(series, H), clock, markets, NO_COSTS, look_ahead=SkipQuiet)


def buy(coid: str, symbol: str = BTC) -> OrderRequest:
    return OrderRequest(coid, symbol, Side.BUY, OrderType.MARKET, Decimal(1))


def books(broker: CountingSim) -> tuple[FakeStore, Ledger, AccountSync]:
    store, ledger = FakeStore(), Ledger(Decimal(10000))
    return store, ledger, AccountSync(broker, store, ledger, [BTC], news=broker)


def test_a_sync_books_what_the_venue_handed_over_without_asking_its_history() -> None:
    async def run() -> None:
        clock = Clock(T0 + H)
        broker = venue(clock)
        store, ledger, sync = books(broker)
        await broker.start()
        await broker.submit_order(buy("b-1"))
        assert [f.client_order_id for f in (await sync.sync()).fills] == ["b-1"]
        clock.now = T0 + 9 * H
        await broker.submit_order(buy("b-2"))
        result = await sync.sync()
        assert [f.client_order_id for f in result.fills] == ["b-2"]
        assert [p.timestamp_ms for p in result.funding] == [T0 + 8 * H]
        assert (await sync.sync()).fills == ()
        assert broker.asked == 0
        # The books hold the venue's truth: its position, its fills, once each.
        assert ledger.positions[BTC].size == broker.exchange.state.positions[BTC].size
        venue_fills = [f for f in broker.exchange.state.fills if f.symbol == BTC]
        assert store.load_fills() == venue_fills and ledger.fill_count == len(venue_fills)
        assert sync.fills_since_ms == T0 + 9 * H

    asyncio.run(run())


def test_other_markets_fills_are_not_booked() -> None:
    async def run() -> None:
        broker = venue(Clock(T0 + H))
        store, ledger, sync = books(broker)
        await broker.start()
        await broker.submit_order(buy("e-1", ETH))
        await broker.submit_order(buy("b-1"))
        assert [f.client_order_id for f in (await sync.sync()).fills] == ["b-1"]
        assert list(ledger.positions) == [BTC] and len(store.load_fills()) == 1

    asyncio.run(run())


def test_a_fill_whose_booking_failed_is_booked_by_the_next_sync() -> None:
    async def run() -> None:
        broker = venue(Clock(T0 + H))
        store, ledger, sync = books(broker)
        await broker.start()
        await broker.submit_order(buy("b-1"))
        await broker.submit_order(buy("b-2"))

        def broken(fill: Fill, external: bool = False) -> FillEffect | None:
            raise OSError("disk full")

        store.record_fill = broken  # type: ignore[method-assign]
        with pytest.raises(OSError):
            await sync.sync()
        assert ledger.fill_count == 0
        del store.record_fill
        assert [f.client_order_id for f in (await sync.sync()).fills] == ["b-1", "b-2"]
        assert ledger.fill_count == 2 and broker.asked == 0

    asyncio.run(run())
