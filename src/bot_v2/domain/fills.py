"""Executions and funding payments: the events that move money."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.domain.orders import Side


@attrs.frozen
class Fill:
    fill_id: str
    client_order_id: str
    exchange_order_id: str
    symbol: str
    side: Side
    size: Decimal
    price: Decimal
    fee: Decimal
    timestamp_ms: int
    is_maker: bool = False
    # True when the fill closed out a position by liquidation, not by our order.
    liquidation: bool = False


@attrs.frozen
class FundingPayment:
    """`amount` is what the account received: negative when it paid."""

    symbol: str
    timestamp_ms: int
    rate: Decimal
    position_size: Decimal
    mark_price: Decimal
    amount: Decimal
