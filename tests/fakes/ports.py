"""In-memory fakes of our own ports, for unit tests of the features that use them. Adapters are
never faked in their own tests: those run against real SQLite files and loopback servers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot_v2.domain.account import Balance, PositionReport
from bot_v2.domain.errors import BrokerError
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.market import MarketSpec
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus


class FakeStore:
    def __init__(self) -> None:
        self.intents: list[OrderRequest] = []
        self.orders: dict[str, Order] = {}
        self.fills: dict[str, Fill] = {}
        self.funding: dict[tuple[str, int], FundingPayment] = {}
        self.events: list[tuple[int, str, str]] = []
        self.meta: dict[str, str] = {}
        self.equity: dict[int, Decimal] = {}

    def open(self) -> None: ...

    def close(self) -> None: ...

    def record_intent(self, request: OrderRequest, timestamp_ms: int) -> None:
        self.intents.append(request)

    def record_order(self, order: Order) -> None:
        self.orders[order.client_order_id] = order

    def record_fill(self, fill: Fill) -> bool:
        return self.fills.setdefault(fill.fill_id, fill) is fill

    def record_funding(self, payment: FundingPayment) -> bool:
        key = (payment.symbol, payment.timestamp_ms)
        return self.funding.setdefault(key, payment) is payment

    def record_equity(self, timestamp_ms: int, equity: Decimal) -> None:
        self.equity[timestamp_ms] = equity

    def record_event(self, timestamp_ms: int, kind: str, detail: str) -> None:
        self.events.append((timestamp_ms, kind, detail))

    def get_meta(self, key: str) -> str | None:
        return self.meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self.meta[key] = value

    def decision_count(self) -> int:
        return len(self.intents)

    def load_orders(self) -> list[Order]:
        return list(self.orders.values())

    def load_fills(self) -> list[Fill]:
        return list(self.fills.values())

    def load_funding(self) -> list[FundingPayment]:
        return list(self.funding.values())


class FakeBroker:
    """Fills every market order at `price`; `fail_with` makes the next submit raise."""

    def __init__(self, store: FakeStore | None = None, price: Decimal = Decimal(100)) -> None:
        self.price = price
        self.store = store
        self.submitted: list[OrderRequest] = []
        self.intent_committed_at_submit: list[bool] = []
        self.fills: list[Fill] = []
        self.fail_with: BrokerError | None = None

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def load_markets(self, symbols: Sequence[str]) -> dict[str, MarketSpec]:
        return {}

    async def fetch_balance(self) -> Balance:
        return Balance("USDT", Decimal(10000))

    async def fetch_positions(self, symbols: Sequence[str]) -> list[PositionReport]:
        return []

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None: ...

    async def submit_order(self, request: OrderRequest) -> Order:
        if self.store is not None:
            ids = [i.client_order_id for i in self.store.intents]
            self.intent_committed_at_submit.append(request.client_order_id in ids)
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        self.submitted.append(request)
        n = len(self.submitted)
        fee = request.size * self.price * Decimal("0.0005")
        self.fills.append(
            Fill(
                f"f{n}",
                request.client_order_id,
                f"x{n}",
                request.symbol,
                request.side,
                request.size,
                self.price,
                fee,
                n,
            )
        )
        return Order(
            request.client_order_id,
            f"x{n}",
            request.symbol,
            request.side,
            request.type,
            request.size,
            request.size,
            OrderStatus.FILLED,
            average_price=self.price,
            reduce_only=request.reduce_only,
            timestamp_ms=n,
        )

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        raise NotImplementedError

    async def fetch_order(self, symbol: str, client_order_id: str) -> Order | None:
        return None

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[Order]:
        return []

    async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        return [f for f in self.fills if f.timestamp_ms >= since_ms]

    async def fetch_funding(self, symbols: Sequence[str], since_ms: int) -> list[FundingPayment]:
        return []


def spec(symbol: str = "BTC/USDT:USDT") -> MarketSpec:
    return MarketSpec(symbol, Decimal("0.1"), Decimal("0.001"), Decimal("0.001"), Decimal(5))
