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
    # Conditional (protective) orders: held by the venue, they act when the trigger price is crossed.
    STOP_MARKET = "stop_market"
    TAKE_PROFIT_MARKET = "take_profit_market"
    STOP_LIMIT = "stop_limit"

    @property
    def is_conditional(self) -> bool:
        return self in _CONDITIONAL


_CONDITIONAL = frozenset(
    {OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET, OrderType.STOP_LIMIT}
)


class TriggerPrice(enum.Enum):
    """Which price a conditional order watches (Binance's `workingType`, Bybit's `triggerBy`)."""

    MARK = "mark"
    LAST = "last"


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
    # Conditional orders only: the price that arms them and which series it is read from.
    trigger_price: Decimal | None = None
    trigger_by: TriggerPrice = TriggerPrice.MARK
    # Closes whatever position the symbol holds when it triggers (Binance `closePosition`);
    # `size` is then the size at placement, kept for sizing checks and reconciliation.
    close_position: bool = False

    def __attrs_post_init__(self) -> None:
        if self.size <= 0:
            raise ValueError(f"order size must be > 0, got {self.size}")
        if self.type in (OrderType.LIMIT, OrderType.STOP_LIMIT) and (
            self.price is None or self.price <= 0
        ):
            raise ValueError(f"{self.type.value} order needs a price > 0, got {self.price}")
        if self.type.is_conditional:
            if self.trigger_price is None or self.trigger_price <= 0:
                raise ValueError(
                    f"{self.type.value} order needs a trigger price > 0, got {self.trigger_price}"
                )
            if not self.reduce_only:
                raise ValueError(
                    f"{self.type.value} orders are protective: reduce_only must be set"
                )
        elif self.trigger_price is not None or self.close_position:
            raise ValueError(f"{self.type.value} order takes no trigger price or close_position")


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
    trigger_price: Decimal | None = None
    trigger_by: TriggerPrice = TriggerPrice.MARK
    close_position: bool = False

    @property
    def remaining(self) -> Decimal:
        return self.size - self.filled
