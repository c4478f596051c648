"""Money terms on one grid: a running sum (GridSum), whatever terms came, went or were replaced, is
digit for digit (exponent and sign of zero included) the loop over the terms present, in any order;
and the bound the grid relies on holds in the decimal context in use."""

from __future__ import annotations

import random
from decimal import Decimal, Inexact, localcontext

from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.money import GRID, ZERO, GridSum, on_grid

# Money-like: a handful of digits at exponents from 1e-12 to 1e+3, zeros and negative zeros too.
small = st.builds(
    lambda sign, digits, exponent: Decimal((sign, tuple(int(c) for c in str(digits)), exponent)),
    st.integers(0, 1),
    st.integers(0, 10**9),
    st.integers(-12, 3),
)
# Wide: full 28-digit coefficients below 1e13 (averaged entry prices, divisions, margins at
# leverage 3 or 7), which summed as they are would round, and in an order-dependent way.
wide = st.builds(
    lambda sign, digits, exponent: Decimal((sign, tuple(int(c) for c in str(digits)), exponent)),
    st.integers(0, 1),
    st.integers(0, 10**28 - 1),
    st.integers(-40, -15),
)
terms = st.one_of(small, wide)
# ("add", value) / ("remove", index) / ("replace", index, value): indices wrap over the terms present.
changes = st.lists(
    st.one_of(
        st.tuples(st.just("add"), terms),
        st.tuples(st.just("remove"), st.integers(0, 10**6)),
        st.tuples(st.just("replace"), st.integers(0, 10**6), terms),
    ),
    max_size=60,
)


def same(a: Decimal, b: Decimal) -> bool:
    return a.as_tuple() == b.as_tuple()


def loop(values: list[Decimal]) -> Decimal:
    total = ZERO
    for value in values:
        total += on_grid(value)
    return total


@given(changes, st.randoms(use_true_random=False))
def test_the_running_sum_is_the_loop_over_the_terms_present(
    script: list[tuple[object, ...]], rng: random.Random
) -> None:
    kept = GridSum()
    present: list[Decimal] = []
    for change in script:
        if change[0] == "add":
            value = change[1]
            assert isinstance(value, Decimal)
            kept.add(value)
            present.append(value)
        elif present:
            index = change[1]
            assert isinstance(index, int)
            old = present.pop(index % len(present))
            kept.remove(old)
            if change[0] == "replace":
                value = change[2]
                assert isinstance(value, Decimal)
                kept.add(value)
                present.append(value)
        assert same(kept.total, loop(present))
        shuffled = list(present)
        rng.shuffle(shuffled)
        assert same(kept.total, loop(shuffled))


def test_add_returns_the_term_it_added_and_remove_takes_it_out() -> None:
    kept = GridSum()
    term = kept.add(Decimal(1) / Decimal(3))
    assert same(term, Decimal("0.333333333333"))
    kept.add(Decimal("2.5"))
    kept.remove(term)
    assert same(kept.total, Decimal("2.500000000000"))
    kept.remove(Decimal("2.5"))
    assert same(kept.total, ZERO)  # empty: the loop's start, not 0E-12


def test_on_grid_rounds_half_even_to_twelve_decimals() -> None:
    assert same(on_grid(Decimal("1.0000000000005")), Decimal("1.000000000000"))
    assert same(on_grid(Decimal("1.0000000000015")), Decimal("1.000000000002"))
    assert same(on_grid(Decimal(7)), Decimal("7.000000000000"))
    assert on_grid(Decimal("-0.0000000000004")).as_tuple().exponent == GRID.as_tuple().exponent
    # Past what 28 digits hold at 12 decimals the term is still put on the grid, no error.
    assert same(on_grid(Decimal("1e20")), Decimal("100000000000000000000.000000000000"))


def test_a_thousand_of_the_largest_terms_sum_without_rounding_in_the_default_context() -> None:
    # The bound GRID's comment relies on: terms below 1e13 (25 digits at 12 decimals), a thousand
    # of them, summed in the default 28-digit context, never round.
    largest = on_grid(Decimal("9999999999999.9999999999994"))
    with localcontext() as ctx:
        assert ctx.prec == 28
        ctx.traps[Inexact] = True
        total = ZERO
        for _ in range(1000):
            total += largest
        for _ in range(1000):
            total -= largest
            total -= largest
    assert total == -1000 * largest
