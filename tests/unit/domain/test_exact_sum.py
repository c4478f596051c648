"""ExactSum answers with the very Decimal (digits and exponent) that adding its terms one by one
gives, whatever terms came and went, or with None; and it does answer for money-like numbers."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.exact_sum import ExactSum

ZERO = Decimal(0)

# Money-like: a handful of digits at exponents from 1e-12 to 1e+3, zeros and negative zeros too.
small = st.builds(
    lambda sign, digits, exponent: Decimal((sign, tuple(int(c) for c in str(digits)), exponent)),
    st.integers(0, 1),
    st.integers(0, 10**9),
    st.integers(-12, 3),
)
# Wide: full 28-digit coefficients (averaged entry prices, divisions), where sums do round.
wide = st.builds(
    lambda sign, digits, exponent: Decimal((sign, tuple(int(c) for c in str(digits)), exponent)),
    st.integers(0, 1),
    st.integers(0, 10**28 - 1),
    st.integers(-30, 5),
)


def one_by_one(start: Decimal, terms: list[Decimal]) -> Decimal:
    total = start
    for term in terms:
        total += term
    return total


def same(a: Decimal | None, b: Decimal) -> bool:
    return a is not None and a.as_tuple() == b.as_tuple()


@given(
    st.lists(st.one_of(small, wide), max_size=12),
    st.lists(st.integers(0, 11), max_size=6),
    st.one_of(st.just(ZERO), small, wide),
)
def test_total_is_the_one_by_one_sum_or_none(
    terms: list[Decimal], removals: list[int], start: Decimal
) -> None:
    acc = ExactSum()
    for term in terms:
        acc.add(term)
    present = list(terms)
    for i in removals:
        if i < len(present):
            acc.remove(present.pop(i))
    found = acc.total(start)
    if found is not None:
        assert same(found, one_by_one(start, present))
        # In any order: the sum did not round.
        assert same(found, one_by_one(start, present[::-1]))


@given(st.lists(small, max_size=30), st.one_of(st.just(ZERO), small))
def test_money_like_sums_are_answered(terms: list[Decimal], start: Decimal) -> None:
    acc = ExactSum()
    for term in terms:
        acc.add(term)
    found = acc.total(start)
    if not start.is_signed():
        assert same(found, one_by_one(start, terms))


def test_a_removed_wide_term_no_longer_blocks_an_answer() -> None:
    acc = ExactSum()
    acc.add(Decimal("1000.5"))
    wide_term = Decimal("1") / Decimal("3") * 1000
    acc.add(wide_term)
    assert acc.total() is None  # 333.33...(28 digits) + 1000.5 rounds
    acc.remove(wide_term)
    assert same(acc.total(), Decimal("1000.5"))


def test_an_empty_sum_is_its_start_and_the_exponent_follows_the_terms() -> None:
    acc = ExactSum()
    assert same(acc.total(), ZERO)
    assert same(acc.total(Decimal("-0")), Decimal("-0"))
    acc.add(Decimal("1.50"))
    acc.add(Decimal("-1.5"))
    assert same(acc.total(), Decimal("0.00"))
    assert acc.total(Decimal("-0")) is None


def test_precision_is_the_current_context() -> None:
    acc = ExactSum()
    acc.add(Decimal("123456"))
    acc.add(Decimal("0.001"))
    with localcontext() as ctx:
        ctx.prec = 6
        assert acc.total() is None
    assert same(acc.total(), Decimal("123456.001"))


def test_only_finite_numbers() -> None:
    with pytest.raises(ValueError, match="finite"):
        ExactSum().add(Decimal("Infinity"))
