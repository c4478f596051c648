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
from bot_v2.orchestration.backtest.memory_store import MemoryStateStore


class FakeStore(MemoryStateStore):
    """The in-memory store the backtests use, with its contents readable for assertions."""

    @property
    def intents(self) -> list[OrderRequest]:
        return [i.request for i in self._intents.values()]

    @property
    def orders(self) -> dict[str, Order]:
        return dict(self._orders)


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

    def account_version(self) -> int | None:
        return len(self.fills)


def spec(symbol: str = "BTC/USDT:USDT") -> MarketSpec:
    return MarketSpec(symbol, Decimal("0.1"), Decimal("0.001"), Decimal("0.001"), Decimal(5))
