"""Decimal money math. Every price and size that leaves the hexagon passes through here."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from bot_v2.domain.orders import Side

ZERO = Decimal(0)


def to_decimal(value: object) -> Decimal:
    """Exact conversion: floats go through repr so 0.1 stays 0.1, not its binary expansion."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Largest multiple of `step` that is <= value."""
    if step <= 0:
        raise ValueError(f"step must be > 0, got {step}")
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def ceil_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Smallest multiple of `step` that is >= value."""
    if step <= 0:
        raise ValueError(f"step must be > 0, got {step}")
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def quantize_size(size: Decimal, step: Decimal) -> Decimal:
    """Sizes always round toward zero so we never trade more than asked."""
    if size < 0:
        return -floor_to_step(-size, step)
    return floor_to_step(size, step)


def quantize_price(price: Decimal, tick: Decimal, side: Side) -> Decimal:
    """Buy limits round down and sell limits round up: rounding never makes our price worse."""
    if side is Side.BUY:
        return floor_to_step(price, tick)
    return ceil_to_step(price, tick)
