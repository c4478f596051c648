"""A small in-memory venue for the reconciliation tests: it keeps orders, fills and funding, derives
positions and balance from them like an exchange would, and can hold changes the bot did not make
(a manual trade that shows in the position but not in the fills it reports)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot_v2.domain.account import Balance, PositionReport
from bot_v2.domain.errors import BrokerError, OrderNotFound
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.market import MarketSpec
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus, OrderType, Side
from bot_v2.domain.positions import Position, apply_fill

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
SYMBOLS = (BTC, ETH)


def fill(
    fill_id: str,
    side: Side = Side.BUY,
    size: str | Decimal = "1",
    price: str | Decimal = "100",
    ts: int = 1,
    symbol: str = BTC,
    coid: str = "c1",
) -> Fill:
    return Fill(
        fill_id, coid, f"x-{coid}", symbol, side, Decimal(size), Decimal(price), Decimal(0), ts
    )


def order(
    coid: str,
    status: OrderStatus = OrderStatus.FILLED,
    filled: str = "1",
    side: Side = Side.BUY,
    symbol: str = BTC,
    ts: int = 1,
) -> Order:
    return Order(
        coid,
        f"x-{coid}",
        symbol,
        side,
        OrderType.MARKET,
        Decimal(1),
        Decimal(filled),
        status,
        average_price=Decimal(100),
        timestamp_ms=ts,
    )


def request(coid: str, symbol: str = BTC) -> OrderRequest:
    return OrderRequest(coid, symbol, Side.BUY, OrderType.MARKET, Decimal(1))


class FakeVenue:
    def __init__(self, balance: Decimal = Decimal(10000)) -> None:
        self.orders: dict[str, Order] = {}
        self.fills: list[Fill] = []
        self.funding: list[FundingPayment] = []
        # Position changes with no fill in the history the venue reports (manual, ADL ...).
        self.hidden: list[Fill] = []
        self.balance = balance
        # What fetch_fills lists, when it should differ from the truth (shuffled, duplicated).
        self.listing: list[Fill] | None = None
        self.fail_with: BrokerError | None = None
        self.cancelled: list[str] = []

    def _check(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    def positions(self) -> dict[str, Position]:
        held: dict[str, Position] = {}
        for f in [*self.fills, *self.hidden]:
            before = held.get(f.symbol) or Position(f.symbol)
            held[f.symbol] = apply_fill(before, f.side, f.size, f.price).position
        return {s: p for s, p in held.items() if not p.is_flat}

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def load_markets(self, symbols: Sequence[str]) -> dict[str, MarketSpec]:
        return {}

    async def fetch_balance(self) -> Balance:
        self._check()
        return Balance("USDT", self.balance)

    async def fetch_positions(self, symbols: Sequence[str]) -> list[PositionReport]:
        self._check()
        return [
            PositionReport(s, p.size, p.entry_price, mark_price=Decimal(105))
            for s, p in self.positions().items()
            if s in symbols
        ]

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None: ...

    async def submit_order(self, request: OrderRequest) -> Order:
        raise AssertionError("reconciliation never submits")

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        self._check()
        found = self.orders.get(client_order_id)
        if found is None:
            raise OrderNotFound(client_order_id)
        cancelled = Order(
            found.client_order_id,
            found.exchange_order_id,
            found.symbol,
            found.side,
            found.type,
            found.size,
            found.filled,
            OrderStatus.CANCELED,
            timestamp_ms=found.timestamp_ms,
        )
        self.orders[client_order_id] = cancelled
        self.cancelled.append(client_order_id)
        return cancelled

    async def fetch_order(self, symbol: str, client_order_id: str) -> Order | None:
        self._check()
        return self.orders.get(client_order_id)

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[Order]:
        self._check()
        return [o for o in self.orders.values() if o.status.is_open and o.symbol in symbols]

    async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        self._check()
        listed = self.fills if self.listing is None else self.listing
        return [f for f in listed if f.timestamp_ms >= since_ms and f.symbol in symbols]

    async def fetch_funding(self, symbols: Sequence[str], since_ms: int) -> list[FundingPayment]:
        self._check()
        return [p for p in self.funding if p.timestamp_ms >= since_ms and p.symbol in symbols]

    def account_version(self) -> int | None:
        return None  # a venue that cannot tell: always asked
