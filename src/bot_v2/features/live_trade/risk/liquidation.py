"""How far the price may move against the account before it is liquidated, estimated without the
venue: cross margin, every position moving against the account at once (the conservative case),
liquidation when equity meets the maintenance margin. The distance, as a fraction of the price, is
then equity / total notional - maintenance margin rate."""

from __future__ import annotations

from decimal import Decimal


def liquidation_distance(equity: Decimal, total_notional: Decimal, mmr: Decimal) -> Decimal | None:
    """Fraction of the price to liquidation; None without exposure (nothing to liquidate)."""
    if total_notional <= 0:
        return None
    return equity / total_notional - mmr
