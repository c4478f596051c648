"""ExactSum: a sum of Decimals that terms enter and leave in O(1), and that answers with exactly the
Decimal that adding its terms one by one gives, or not at all.

Why: equity, margin and exposure are sums over every open position. Recomputing one after each fill
costs O(positions) per order, O(positions²) per busy cycle with a thousand symbols. A plain running
total (add the new term, take the old one out) is not the same: Decimal addition rounds to the
context's precision, so the running total could differ from the sum recomputed from scratch in its
last digit, and limits and balances are compared against these sums.

So the total is kept as a whole number of units of 10**u (u at most the smallest exponent any term
had), which never rounds, and `total()` answers only when the one-by-one sum provably did not round
either: every term is a whole multiple of 10**E (E the smallest exponent among the start and the
terms present), so when their magnitudes add up to fewer than `prec` digits in those units, every
partial sum, in any order, is exact. Exact Decimal addition also fixes the result's exponent (the
smallest of the operands'), so digits and exponent both equal the one-by-one result. Otherwise
`total()` returns None and the caller sums the usual way: the fast answer is never a different one.
"""

from __future__ import annotations

from collections import Counter
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_FLOOR, Context, Decimal, getcontext

# Only ever shifts exponents, which must not round: wide enough for any coefficient.
_WIDE = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


class ExactSum:
    __slots__ = ("_exponents", "_magnitude", "_total", "_unit")

    def __init__(self) -> None:
        self._unit = 0  # every term is a whole multiple of 10**_unit
        self._total = 0  # the terms' sum, in units of 10**_unit
        self._magnitude = 0  # the sum of their magnitudes, in the same units
        self._exponents: Counter[int] = Counter()  # exponents of the terms present

    def __len__(self) -> int:
        return self._exponents.total()

    def add(self, value: Decimal) -> None:
        self._move(value, 1)

    def remove(self, value: Decimal) -> None:
        """Take out a term added before (an equal Decimal with the same exponent)."""
        self._move(value, -1)

    def total(self, start: Decimal = Decimal(0)) -> Decimal | None:
        """`start + t1 + t2 + ...` as Decimal arithmetic in the current context gives it (in any
        order), or None when that sum might have rounded."""
        if not self._exponents:
            return start
        start_exp = _exponent(start)
        smallest = min(start_exp, min(self._exponents))
        # Everything in units of 10**smallest (exact: the start and every term are multiples).
        common = min(smallest, self._unit)
        up = 10 ** (self._unit - common)
        down = 10 ** (smallest - common)
        start_units = _units(start, smallest)
        magnitude = self._magnitude * up // down + abs(start_units)
        if magnitude >= 10 ** getcontext().prec:
            return None
        units = self._total * up // down + start_units
        if units == 0 and (start.is_signed() or getcontext().rounding == ROUND_FLOOR):
            # The sign of an exact zero depends on the operands and the rounding; 0 + ... is +0
            # except from a negative zero or when rounding toward -infinity: leave those alone.
            return None
        return Decimal(units).scaleb(smallest, _WIDE)

    def _move(self, value: Decimal, sign: int) -> None:
        exponent = _exponent(value)
        if exponent < self._unit:
            scale = 10 ** (self._unit - exponent)
            self._total *= scale
            self._magnitude *= scale
            self._unit = exponent
        units = _units(value, self._unit)
        self._total += sign * units
        self._magnitude += sign * abs(units)
        count = self._exponents[exponent] + sign
        if count:
            self._exponents[exponent] = count
        else:
            del self._exponents[exponent]


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"ExactSum takes finite numbers only, got {value}")
    return exponent


def _units(value: Decimal, unit: int) -> int:
    """`value` as a whole number of 10**unit (unit at most its exponent), exactly."""
    return int(value.scaleb(-unit, _WIDE))
