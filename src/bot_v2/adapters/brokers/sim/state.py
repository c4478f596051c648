"""The simulated exchange's whole state: what a real venue keeps for an account. Mutable on purpose
(the engine changes it in place, one call at a time); `persistence` writes it out after each call."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from bot_v2.adapters.brokers.sim.events import Liquidated
from bot_v2.adapters.brokers.sim.settings import MarginMode
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.money import ZERO
from bot_v2.domain.orders import Order, OrderStatus, OrderType, Side, TimeInForce


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


# -- plain records for persistence (JSON-ready: Decimals as text) ---------------------------------


def _d(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _D(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _req(value: str) -> Decimal:
    return Decimal(value)


def order_record(o: OrderState) -> dict[str, Any]:
    return {
        "client_order_id": o.client_order_id,
        "exchange_order_id": o.exchange_order_id,
        "symbol": o.symbol,
        "side": o.side.value,
        "type": o.type.value,
        "size": str(o.size),
        "price": _d(o.price),
        "reduce_only": o.reduce_only,
        "time_in_force": o.time_in_force.value,
        "post_only": o.post_only,
        "created_ms": o.created_ms,
        "filled": str(o.filled),
        "filled_value": str(o.filled_value),
        "status": o.status.value,
        "updated_ms": o.updated_ms,
    }


def order_from(r: dict[str, Any]) -> OrderState:
    return OrderState(
        client_order_id=r["client_order_id"],
        exchange_order_id=r["exchange_order_id"],
        symbol=r["symbol"],
        side=Side(r["side"]),
        type=OrderType(r["type"]),
        size=_req(r["size"]),
        price=_D(r["price"]),
        reduce_only=bool(r["reduce_only"]),
        time_in_force=TimeInForce(r["time_in_force"]),
        post_only=bool(r["post_only"]),
        created_ms=int(r["created_ms"]),
        filled=_req(r["filled"]),
        filled_value=_req(r["filled_value"]),
        status=OrderStatus(r["status"]),
        updated_ms=int(r["updated_ms"]),
    )


def fill_record(f: Fill) -> dict[str, Any]:
    return {
        "fill_id": f.fill_id,
        "client_order_id": f.client_order_id,
        "exchange_order_id": f.exchange_order_id,
        "symbol": f.symbol,
        "side": f.side.value,
        "size": str(f.size),
        "price": str(f.price),
        "fee": str(f.fee),
        "timestamp_ms": f.timestamp_ms,
        "is_maker": f.is_maker,
        "liquidation": f.liquidation,
    }


def fill_from(r: dict[str, Any]) -> Fill:
    return Fill(
        fill_id=r["fill_id"],
        client_order_id=r["client_order_id"],
        exchange_order_id=r["exchange_order_id"],
        symbol=r["symbol"],
        side=Side(r["side"]),
        size=_req(r["size"]),
        price=_req(r["price"]),
        fee=_req(r["fee"]),
        timestamp_ms=int(r["timestamp_ms"]),
        is_maker=bool(r["is_maker"]),
        liquidation=bool(r["liquidation"]),
    )


def funding_record(p: FundingPayment) -> dict[str, Any]:
    return {
        "symbol": p.symbol,
        "timestamp_ms": p.timestamp_ms,
        "rate": str(p.rate),
        "position_size": str(p.position_size),
        "mark_price": str(p.mark_price),
        "amount": str(p.amount),
    }


def funding_from(r: dict[str, Any]) -> FundingPayment:
    return FundingPayment(
        symbol=r["symbol"],
        timestamp_ms=int(r["timestamp_ms"]),
        rate=_req(r["rate"]),
        position_size=_req(r["position_size"]),
        mark_price=_req(r["mark_price"]),
        amount=_req(r["amount"]),
    )


def liquidation_record(e: Liquidated) -> dict[str, Any]:
    return {
        "symbol": e.symbol,
        "timestamp_ms": e.timestamp_ms,
        "size": str(e.size),
        "price": str(e.price),
        "fee": str(e.fee),
        "margin_mode": e.margin_mode,
        "fill_id": e.fill_id,
    }


def liquidation_from(r: dict[str, Any]) -> Liquidated:
    return Liquidated(
        symbol=r["symbol"],
        timestamp_ms=int(r["timestamp_ms"]),
        size=_req(r["size"]),
        price=_req(r["price"]),
        fee=_req(r["fee"]),
        margin_mode=r["margin_mode"],
        fill_id=r["fill_id"],
    )


def account_record(s: ExchangeState) -> dict[str, Any]:
    """Everything but the growing histories (orders, fills, funding, liquidations)."""
    return {
        "wallet": str(s.wallet),
        "clock_ms": s.clock_ms,
        "positions": {
            k: [str(p.size), str(p.entry_price), str(p.margin)] for k, p in s.positions.items()
        },
        "leverage": {k: str(v) for k, v in s.leverage.items()},
        "margin_mode": {k: v.value for k, v in s.margin_mode.items()},
        "order_seq": s.order_seq,
        "fill_seq": s.fill_seq,
    }


def state_from(
    account: dict[str, Any],
    orders: list[dict[str, Any]],
    fills: list[dict[str, Any]],
    funding: list[dict[str, Any]],
    liquidations: list[dict[str, Any]],
) -> ExchangeState:
    clock = account["clock_ms"]
    return ExchangeState(
        wallet=_req(account["wallet"]),
        clock_ms=None if clock is None else int(clock),
        positions={
            k: PositionState(_req(v[0]), _req(v[1]), _req(v[2]))
            for k, v in account["positions"].items()
        },
        leverage={k: _req(v) for k, v in account["leverage"].items()},
        margin_mode={k: MarginMode(v) for k, v in account["margin_mode"].items()},
        orders={r["client_order_id"]: order_from(r) for r in orders},
        fills=[fill_from(r) for r in fills],
        funding=[funding_from(r) for r in funding],
        liquidations=[liquidation_from(r) for r in liquidations],
        order_seq=int(account["order_seq"]),
        fill_seq=int(account["fill_seq"]),
    )
