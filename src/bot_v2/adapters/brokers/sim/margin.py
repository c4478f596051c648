"""Margin from leverage tiers, the way Binance USDⓈ-M computes it. Pure functions on Decimals.

A tier (bracket) covers notionals in [min_notional, max_notional). Maintenance margin is
`notional * maintenance_margin_rate - maintenance_amount` of the tier the notional falls in; the
maintenance amounts make it continuous across the brackets. Leverage caps the position: at leverage L
only brackets whose max_leverage >= L are open, so the largest such cap is the biggest position.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot_v2.domain.market import LeverageTier
from bot_v2.domain.money import ZERO

# Markets without a bundled table (synthetic test symbols) get one open-ended bracket.
UNLIMITED = Decimal("1e30")


def default_tiers(max_leverage: Decimal, maintenance_margin_rate: Decimal) -> tuple[LeverageTier]:
    return (LeverageTier(ZERO, UNLIMITED, maintenance_margin_rate, max_leverage, ZERO),)


def tier_for(tiers: Sequence[LeverageTier], notional: Decimal) -> LeverageTier:
    """The bracket `notional` falls in; above the last cap the last bracket still applies."""
    if not tiers:
        raise ValueError("a market needs at least one leverage tier")
    notional = abs(notional)
    for tier in tiers:
        if notional < tier.max_notional:
            return tier
    return tiers[-1]


def maintenance_margin(tiers: Sequence[LeverageTier], notional: Decimal) -> Decimal:
    notional = abs(notional)
    if notional == 0:
        return ZERO
    tier = tier_for(tiers, notional)
    return notional * tier.maintenance_margin_rate - tier.maintenance_amount


def initial_margin(notional: Decimal, leverage: Decimal) -> Decimal:
    return abs(notional) / leverage


def max_leverage(tiers: Sequence[LeverageTier]) -> Decimal:
    return max(t.max_leverage for t in tiers)


def max_notional_at(tiers: Sequence[LeverageTier], leverage: Decimal) -> Decimal:
    """The largest position notional allowed at `leverage` (0 when no bracket allows it)."""
    caps = [t.max_notional for t in tiers if t.max_leverage >= leverage]
    return max(caps) if caps else ZERO
