"""The simulated exchange's whole state: what a real venue keeps for an account. Mutable on purpose
(the engine changes it in place, one call at a time); `persistence` writes it out after each call,
as the records of `records.py`."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.adapters.brokers.sim.events import Liquidated
from bot_v2.adapters.brokers.sim.settings import MarginMode
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.money import ZERO
from bot_v2.domain.orders import Order, OrderStatus, OrderType, Side, TimeInForce, TriggerPrice


@attrs.define
class PositionState:
    """`size` is signed. `margin` is the isolated margin (unused in cross mode)."""

    size: Decimal = ZERO
    entry_price: Decimal = ZERO
    margin: Decimal = ZERO


@attrs.define
class OrderState:
    client_order_id: str
    exchange_order_id: str
    symbol: str
    side: Side
    type: OrderType
    size: Decimal
    price: Decimal | None
    reduce_only: bool
    time_in_force: TimeInForce
    post_only: bool
    created_ms: int
    filled: Decimal = ZERO
    # Sum of size * price over the fills, for the average price.
    filled_value: Decimal = ZERO
    status: OrderStatus = OrderStatus.NEW
    updated_ms: int = 0
    # Conditional orders only (triggers.py). A close-position order's `size` is the position's size
    # at placement until it triggers, then what it closed.
    trigger_price: Decimal | None = None
    trigger_by: TriggerPrice = TriggerPrice.MARK
    close_position: bool = False
    # When it triggered (None: not yet); a triggered stop-limit rests in the book from then on.
    triggered_ms: int | None = None

    @property
    def remaining(self) -> Decimal:
        return self.size - self.filled

    def to_order(self) -> Order:
        return Order(
            client_order_id=self.client_order_id,
            exchange_order_id=self.exchange_order_id,
            symbol=self.symbol,
            side=self.side,
            type=self.type,
            size=self.size,
            filled=self.filled,
            status=self.status,
            price=self.price,
            average_price=self.filled_value / self.filled if self.filled > 0 else None,
            reduce_only=self.reduce_only,
            timestamp_ms=self.created_ms,
            trigger_price=self.trigger_price,
            trigger_by=self.trigger_by,
            close_position=self.close_position,
        )


@attrs.define
class ExchangeState:
    wallet: Decimal
    # The exchange's own time: every event up to it has been processed. None before the first call.
    clock_ms: int | None = None
    positions: dict[str, PositionState] = attrs.field(factory=dict)
    leverage: dict[str, Decimal] = attrs.field(factory=dict)
    margin_mode: dict[str, MarginMode] = attrs.field(factory=dict)
    orders: dict[str, OrderState] = attrs.field(factory=dict)
    fills: list[Fill] = attrs.field(factory=list)
    funding: list[FundingPayment] = attrs.field(factory=list)
    liquidations: list[Liquidated] = attrs.field(factory=list)
    order_seq: int = 0
    fill_seq: int = 0
