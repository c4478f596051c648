"""What the simulated exchange reports back from each call: orders that changed, fills, funding
settlements and liquidations, in the order they happened."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Order


@attrs.frozen
class OrderChanged:
    order: Order


@attrs.frozen
class Filled:
    fill: Fill


@attrs.frozen
class FundingSettled:
    payment: FundingPayment


@attrs.frozen
class Liquidated:
    """A position closed by the exchange: the mark crossed the liquidation price. The closing fill
    (with `liquidation=True`) is reported as a Filled event just before this one."""

    symbol: str
    timestamp_ms: int
    size: Decimal
    price: Decimal
    fee: Decimal
    margin_mode: str
    fill_id: str


SimEvent = OrderChanged | Filled | FundingSettled | Liquidated
