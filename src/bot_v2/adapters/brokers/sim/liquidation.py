"""Liquidation prices with the formula Binance publishes for USDⓈ-M futures (one-way mode):

    LP = (WB - TMM1 + UPNL1 + cum - Side * |Q| * EP) / (|Q| * MMR - Side * |Q|)

WB is the wallet balance that backs the position (cross: the cross wallet; isolated: the position's
isolated margin), TMM1 and UPNL1 the maintenance margin and unrealized PnL of every *other* cross
position (both 0 in isolated mode), cum the maintenance amount and MMR the maintenance margin rate of
the bracket the position's notional falls in *at the liquidation price*, Side +1 long and -1 short.
At LP the margin balance equals the maintenance margin:

    WB + UPNL1 + Side * |Q| * (LP - EP) == TMM1 + |Q| * LP * MMR - cum
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot_v2.adapters.brokers.sim.margin import tier_for
from bot_v2.domain.market import LeverageTier
from bot_v2.domain.money import ZERO


def _price_with(
    tier: LeverageTier,
    side: int,
    size: Decimal,
    entry_price: Decimal,
    wallet_balance: Decimal,
    other_maintenance: Decimal,
    other_unrealized: Decimal,
) -> Decimal:
    numerator = (
        wallet_balance
        - other_maintenance
        + other_unrealized
        + tier.maintenance_amount
        - side * size * entry_price
    )
    return numerator / (size * tier.maintenance_margin_rate - side * size)


def liquidation_price(
    *,
    side: int,
    size: Decimal,
    entry_price: Decimal,
    wallet_balance: Decimal,
    tiers: Sequence[LeverageTier],
    other_maintenance: Decimal = ZERO,
    other_unrealized: Decimal = ZERO,
) -> Decimal | None:
    """The mark price at which the position is liquidated; None for a long that no price above zero
    can liquidate. A short whose price comes out <= 0 is already past it (the caller liquidates at
    once). `size` is the absolute position size, `side` +1 or -1."""
    if side not in (1, -1):
        raise ValueError(f"side must be 1 or -1, got {side}")
    if size <= 0:
        raise ValueError(f"size must be > 0, got {size}")
    args = (side, size, entry_price, wallet_balance, other_maintenance, other_unrealized)
    fallback: Decimal | None = None
    for tier in tiers:
        price = _price_with(tier, *args)
        if fallback is None:
            fallback = price
        # The bracket must be the one the notional at that price falls in.
        if price > 0 and tier_for(tiers, price * size) is tier:
            return price
    if fallback is None:
        raise ValueError("a market needs at least one leverage tier")
    if fallback <= 0 and side == 1:
        return None
    return fallback
