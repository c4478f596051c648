"""Whether an order only takes risk off. Rules let such orders through so a position is never trapped."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.positions import Position


def is_reducing(request: OrderRequest, position: Position) -> bool:
    """True when the order moves the position toward zero without flipping it.

    The reduce_only flag proves nothing by itself: a reduce-only order against a flat or same-side
    position does not reduce anything, so it is not treated as reducing.
    """
    if position.size == 0:
        return False
    return position.side is request.side.opposite and request.size <= abs(position.size)


def resulting_size(request: OrderRequest, position: Position) -> Decimal:
    """The signed position size if the whole order fills."""
    return position.size + request.size * request.side.sign
