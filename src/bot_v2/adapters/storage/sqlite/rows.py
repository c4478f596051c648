"""Rows to domain values and back. Money is Decimal text, so nothing is lost to floats."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus, OrderType, Side
from bot_v2.domain.positions import Position

ORDER_COLUMNS = (
    "client_order_id, exchange_order_id, symbol, side, type, size, filled, status, price, "
    "average_price, reduce_only, timestamp_ms"
)
FILL_COLUMNS = (
    "fill_id, client_order_id, exchange_order_id, symbol, side, size, price, fee, timestamp_ms, "
    "is_maker, liquidation"
)
FUNDING_COLUMNS = "symbol, timestamp_ms, rate, position_size, mark_price, amount"
INTENT_COLUMNS = "client_order_id, symbol, side, type, size, price, reduce_only, created_ms"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def order_params(order: Order) -> tuple[Any, ...]:
    return (
        order.client_order_id,
        order.exchange_order_id,
        order.symbol,
        order.side.value,
        order.type.value,
        str(order.size),
        str(order.filled),
        order.status.value,
        _text(order.price),
        _text(order.average_price),
        int(order.reduce_only),
        order.timestamp_ms,
    )


def order_from(r: tuple[Any, ...]) -> Order:
    return Order(
        client_order_id=r[0],
        exchange_order_id=r[1],
        symbol=r[2],
        side=Side(r[3]),
        type=OrderType(r[4]),
        size=Decimal(r[5]),
        filled=Decimal(r[6]),
        status=OrderStatus(r[7]),
        price=_dec(r[8]),
        average_price=_dec(r[9]),
        reduce_only=bool(r[10]),
        timestamp_ms=r[11],
    )


def fill_params(fill: Fill) -> tuple[Any, ...]:
    return (
        fill.fill_id,
        fill.client_order_id,
        fill.exchange_order_id,
        fill.symbol,
        fill.side.value,
        str(fill.size),
        str(fill.price),
        str(fill.fee),
        fill.timestamp_ms,
        int(fill.is_maker),
        int(fill.liquidation),
    )


def fill_from(r: tuple[Any, ...]) -> Fill:
    return Fill(
        fill_id=r[0],
        client_order_id=r[1],
        exchange_order_id=r[2],
        symbol=r[3],
        side=Side(r[4]),
        size=Decimal(r[5]),
        price=Decimal(r[6]),
        fee=Decimal(r[7]),
        timestamp_ms=r[8],
        is_maker=bool(r[9]),
        liquidation=bool(r[10]),
    )


def funding_params(p: FundingPayment) -> tuple[Any, ...]:
    return (
        p.symbol,
        p.timestamp_ms,
        str(p.rate),
        str(p.position_size),
        str(p.mark_price),
        str(p.amount),
    )


def funding_from(r: tuple[Any, ...]) -> FundingPayment:
    return FundingPayment(r[0], r[1], Decimal(r[2]), Decimal(r[3]), Decimal(r[4]), Decimal(r[5]))


def intent_params(request: OrderRequest, created_ms: int) -> tuple[Any, ...]:
    return (
        request.client_order_id,
        request.symbol,
        request.side.value,
        request.type.value,
        str(request.size),
        _text(request.price),
        int(request.reduce_only),
        created_ms,
    )


def intent_from(r: tuple[Any, ...]) -> OrderRequest:
    return OrderRequest(
        client_order_id=r[0],
        symbol=r[1],
        side=Side(r[2]),
        type=OrderType(r[3]),
        size=Decimal(r[4]),
        price=_dec(r[5]),
        reduce_only=bool(r[6]),
    )


def position_from(r: tuple[Any, ...]) -> Position:
    return Position(r[0], Decimal(r[1]), Decimal(r[2]))
