"""Notional arithmetic the limit rules share."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bot_v2.domain.money import on_grid
from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.reducing import resulting_size


def mark_of(ctx: RiskContext, symbol: str) -> Decimal | None:
    mark = ctx.marks.get(symbol)
    if mark is None or mark <= 0:
        return None
    return mark


def position_notional(marks: Mapping[str, Decimal], symbol: str, position: Position) -> Decimal:
    """What an open position adds to total_notional_after (before it is put on the grid): |size|
    at its mark, or at its entry price without a positive mark. LedgerValuation adds the very same
    terms."""
    mark = marks.get(symbol)
    price = mark if mark is not None and mark > 0 else position.entry_price
    return abs(position.size) * price


def no_mark_reason(symbol: str) -> str:
    return f"no mark price for {symbol}, cannot value the order"


def total_notional_after(request: OrderRequest, ctx: RiskContext, mark: Decimal) -> Decimal:
    """Sum of |position| * mark over all symbols once the order fills. Other symbols without a mark
    are valued at their entry price, like the equity calculation does. Every term is on the money
    grid (domain.money.GRID), so the sum kept by LedgerValuation is this very Decimal."""
    total = on_grid(abs(resulting_size(request, ctx.position(request.symbol))) * mark)
    if ctx.others_notional is not None:
        kept = ctx.others_notional(request.symbol, total)
        if kept is not None:
            return kept  # the same sum, kept up to date instead of walked
    for symbol, position in ctx.positions.items():
        if symbol == request.symbol or position.size == 0:
            continue
        total += on_grid(position_notional(ctx.marks, symbol, position))
    return total
