"""Fixed fraction of equity (the default method): notional = equity * fraction * leverage."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.domain.market import MarketSpec
from bot_v2.domain.money import ZERO, quantize_size


def target_size(
    equity: Decimal, price: Decimal, fraction: Decimal, leverage: Decimal, spec: MarketSpec
) -> Decimal:
    """equity * fraction * leverage / price, rounded down to the step size.

    Returns 0 when nothing sensible can be traded: non-positive inputs, a size below the market's minimum,
    or a notional below its minimum (rounding up to reach them would trade more than asked).
    Sizes are in base units, as Position and Fill hold them (contract_size is 1 on linear perps).
    """
    if equity <= 0 or price <= 0 or fraction <= 0 or leverage <= 0:
        return ZERO
    size = quantize_size(equity * fraction * leverage / price, spec.step_size)
    if size <= 0 or size < spec.min_size or size * price < spec.min_notional:
        return ZERO
    return size
