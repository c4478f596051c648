"""A position as a value and the one rule that changes it: applying a fill."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.domain.money import ZERO
from bot_v2.domain.orders import Side


@attrs.frozen
class Position:
    """`size` is signed: > 0 long, < 0 short, 0 flat. `entry_price` is the average entry of the open size."""

    symbol: str
    size: Decimal = ZERO
    entry_price: Decimal = ZERO

    @property
    def is_flat(self) -> bool:
        return self.size == 0

    @property
    def side(self) -> Side | None:
        if self.size > 0:
            return Side.BUY
        if self.size < 0:
            return Side.SELL
        return None

    def notional(self, mark: Decimal) -> Decimal:
        return abs(self.size) * mark

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        return (mark - self.entry_price) * self.size


@attrs.frozen
class FillEffect:
    position: Position
    realized_pnl: Decimal


def apply_fill(position: Position, side: Side, size: Decimal, price: Decimal) -> FillEffect:
    """Average in when adding, realize PnL on the part that reduces, flip through zero when oversized."""
    # Positions are built directly, not with attrs.evolve: every fill of a run goes through here
    # (exchange, ledger and store), and evolve's field-by-field copy was most of its cost.
    symbol = position.symbol
    signed = size * side.sign
    old = position.size
    if old == 0 or (old > 0) == (signed > 0):
        new_size = old + signed
        entry = (position.entry_price * abs(old) + price * size) / abs(new_size)
        return FillEffect(Position(symbol, new_size, entry), ZERO)
    closing = min(abs(old), size)
    realized = (price - position.entry_price) * closing * (1 if old > 0 else -1)
    new_size = old + signed
    if new_size == 0:
        return FillEffect(Position(symbol), realized)
    if (new_size > 0) == (old > 0):
        return FillEffect(Position(symbol, new_size, position.entry_price), realized)
    return FillEffect(Position(symbol, new_size, price), realized)
