"""Fixed notional: the same quote-asset amount for every entry, whatever the equity."""

from __future__ import annotations

from decimal import Decimal


def fixed_notional(notional: Decimal) -> Decimal:
    return max(notional, Decimal(0))
