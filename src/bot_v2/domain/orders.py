"""Orders as values: what we ask for (OrderRequest) and what the venue reports (Order)."""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs


class Side(enum.Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(enum.Enum):
    MARKET = "market"
    LIMIT = "limit"


class TimeInForce(enum.Enum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


class OrderStatus(enum.Enum):
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)


@attrs.frozen
class OrderRequest:
    client_order_id: str
    symbol: str
    side: Side
    type: OrderType
    size: Decimal
    price: Decimal | None = None
    reduce_only: bool = False
    time_in_force: TimeInForce = TimeInForce.GTC
    post_only: bool = False

    def __attrs_post_init__(self) -> None:
        if self.size <= 0:
            raise ValueError(f"order size must be > 0, got {self.size}")
        if self.type is OrderType.LIMIT and (self.price is None or self.price <= 0):
            raise ValueError(f"limit order needs a price > 0, got {self.price}")


@attrs.frozen
class Order:
    client_order_id: str
    exchange_order_id: str
    symbol: str
    side: Side
    type: OrderType
    size: Decimal
    filled: Decimal
    status: OrderStatus
    price: Decimal | None = None
    average_price: Decimal | None = None
    reduce_only: bool = False
    timestamp_ms: int = 0

    @property
    def remaining(self) -> Decimal:
        return self.size - self.filled
