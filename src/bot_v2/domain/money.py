"""Decimal money math. Every price and size that leaves the hexagon passes through here."""

from __future__ import annotations

from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_CEILING, ROUND_FLOOR, Context, Decimal

from bot_v2.domain.orders import Side

ZERO = Decimal(0)

# Every money term that is summed over positions (unrealized PnL, notional, margin) is first put on
# this one grid, by `on_grid`, by the loops and by the sums kept up to date alike. Why this makes a
# kept sum (add a term, take one out) the very Decimal a loop over the current terms gives:
# - Terms of one exponent are integers in units of 1e-12, and adding integers is exact as long as
#   no partial sum needs more digits than the context keeps. The context in use is Python's
#   default (nothing in bot_v2 changes it): 28 digits, ROUND_HALF_EVEN. 28 digits at 12 decimals
#   hold any |partial sum| below 1e16, and every partial sum is bounded by the sum of the terms'
#   magnitudes. The config caps money at 1e12 (initial balance, order, symbol and total notional),
#   so a term is below 1e13 (25 digits at 12 decimals) unless prices move tenfold, and even a
#   thousand such terms stay below 1e16: then every partial sum in any order is exact, so all
#   orders give the same digits, with exponent -12. Only past 1e16 (ten quadrillion of the quote
#   asset, prices moving ~10,000x against a full book) would a sum round to 28 digits, like any
#   Decimal sum, and a kept sum could then differ from a loop in its 28th digit.
# - A zero that is exact comes out +0 from any sum starting at ZERO (ROUND_HALF_EVEN), so signs
#   of zero agree too; only ROUND_FLOOR would give -0, and nothing uses it.
# - An empty loop gives ZERO (exponent 0), not 0E-12: GridSum answers ZERO when it holds no terms.
# The quantizing itself runs in a context that never rounds to fewer digits, so a term of 1e16 or
# more is put on the grid too instead of raising InvalidOperation as a 28-digit quantize would.
GRID = Decimal("1e-12")
# ROUND_HALF_EVEN, like the default context. Its bound method, called positionally, is about twice
# as fast as `value.quantize(GRID, context=...)`, which parses keywords: this runs once per term.
_quantize = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN).quantize


def on_grid(value: Decimal) -> Decimal:
    """`value` rounded half-even to a multiple of GRID, with exponent -12: the one form in which
    money terms are summed (see GRID)."""
    return _quantize(value, GRID)


class GridSum:
    """A running sum of money terms that come and go, equal digit for digit (exponent included)
    to `ZERO + on_grid(t1) + on_grid(t2) + ...` over the terms present, in any order (see GRID):
    O(1) per change instead of a loop over every position per question."""

    __slots__ = ("_count", "_total")

    def __init__(self) -> None:
        self._total = ZERO
        self._count = 0

    def add(self, value: Decimal) -> Decimal:
        """Add `value`'s grid term, and return that term."""
        term = on_grid(value)
        self._total += term
        self._count += 1
        return term

    def remove(self, value: Decimal) -> None:
        """Take out a value added before (the same Decimal, or one with the same grid value)."""
        self._count -= 1
        # Empty again: back to the loop's start, ZERO, rather than 0E-12.
        self._total = self._total - on_grid(value) if self._count else ZERO

    @property
    def total(self) -> Decimal:
        return self._total


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
