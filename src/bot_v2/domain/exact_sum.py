"""ExactSum: a sum of Decimals that terms enter and leave in O(1), and that answers with exactly the
Decimal that adding its terms one by one gives, or not at all.

Why: equity, margin and exposure are sums over every open position. Recomputing one after each fill
costs O(positions) per order, O(positions²) per busy cycle with a thousand symbols. A plain running
total (add the new term, take the old one out) is not the same: Decimal addition rounds to the
context's precision, so the running total could differ from the sum recomputed from scratch in its
last digit, and limits and balances are compared against these sums.

So the total is kept in a context wide enough never to round, and `total()` answers only when the
one-by-one sum provably did not round either: every term is a whole multiple of 10**E (E the
smallest exponent among the start and the terms present), so when their magnitudes add up to fewer than `prec` digits in those units, every
partial sum, in any order, is exact. Exact Decimal addition also fixes the result's exponent (the
smallest of the operands'), so digits and exponent both equal the one-by-one result. Otherwise
`total()` returns None and the caller sums the usual way: the fast answer is never a different one.
"""

from __future__ import annotations

from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_FLOOR, Context, Decimal, getcontext

# Wide enough that no sum of finite numbers ever rounds in it: the running totals live here.
_WIDE = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
_add = _WIDE.add
_subtract = _WIDE.subtract


class ExactSum:
    __slots__ = ("_exponents", "_magnitude", "_total")

    def __init__(self) -> None:
        self._total = Decimal(0)  # the terms' sum, exact (in _WIDE)
        self._magnitude = Decimal(0)  # the sum of their magnitudes, exact
        self._exponents: dict[int, int] = {}  # how many terms present have each exponent

    def add(self, value: Decimal) -> None:
        exponent = _exponent(value)
        self._total = _add(self._total, value)
        self._magnitude = _add(self._magnitude, value.copy_abs())
        exponents = self._exponents
        exponents[exponent] = exponents.get(exponent, 0) + 1

    def remove(self, value: Decimal) -> None:
        """Take out a term added before (an equal Decimal with the same exponent)."""
        exponent = _exponent(value)
        self._total = _subtract(self._total, value)
        self._magnitude = _subtract(self._magnitude, value.copy_abs())
        count = self._exponents[exponent] - 1
        if count:
            self._exponents[exponent] = count
        else:
            del self._exponents[exponent]

    def total(self, start: Decimal = Decimal(0)) -> Decimal | None:
        """`start + t1 + t2 + ...` as Decimal arithmetic in the current context gives it (in any
        order), or None when that sum might have rounded."""
        if not self._exponents:
            return start
        smallest = min(_exponent(start), min(self._exponents))
        # Every partial sum is a multiple of 10**smallest no larger than this: it has fewer than
        # `prec` digits at that exponent when this is below 10**(prec + smallest).
        magnitude = _WIDE.add(self._magnitude, start.copy_abs())
        context = getcontext()
        if magnitude and magnitude.adjusted() >= context.prec + smallest:
            return None
        value = _WIDE.add(self._total, start)
        if not value and (start.is_signed() or context.rounding == ROUND_FLOOR):
            # The sign of an exact zero depends on the operands and the rounding; 0 + ... is +0
            # except from a negative zero or when rounding toward -infinity: leave those alone.
            return None
        # Exact addition gives the smallest exponent of its operands; the running total may carry
        # a smaller one from a term since removed. Re-expressing it at `smallest` is exact.
        return value.quantize(Decimal((0, (1,), smallest)), context=_WIDE)


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"ExactSum takes finite numbers only, got {value}")
    return exponent
