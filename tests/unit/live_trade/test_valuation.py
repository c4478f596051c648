"""LedgerValuation gives, digit for digit, what EquityCalculator and the exposure rules' own walk
over every position give, through random fills (adds, partial closes, flips: 28-digit averaged
entries included) on four symbols and random mark changes, missing and zero marks included."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.fills import Fill
from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.features.live_trade import valuation
from bot_v2.features.live_trade.accounting import EquityCalculator, Ledger
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.exposure import total_notional_after
from bot_v2.features.live_trade.valuation import LedgerValuation

SYMBOLS = ("A/USDT:USDT", "B/USDT:USDT", "C/USDT:USDT", "D/USDT:USDT")
prices = st.integers(1, 200_000).map(lambda n: Decimal(n) / 100)
fills = st.tuples(
    st.sampled_from(SYMBOLS),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(1, 5000).map(lambda n: Decimal(n) / 1000),
    prices,
)
mark_moves = st.dictionaries(
    st.sampled_from(SYMBOLS), st.one_of(prices, st.just(Decimal(0))), max_size=4
)
steps = st.lists(st.one_of(fills, mark_moves), max_size=40)


def same(a: Decimal, b: Decimal) -> bool:
    return a.as_tuple() == b.as_tuple()


def context(ledger: Ledger, marks: dict[str, Decimal], kept: LedgerValuation | None) -> RiskContext:
    return RiskContext(
        equity=Decimal(0),
        positions=ledger.positions,
        marks=marks,
        day_pnl=Decimal(0),
        kill_switch=False,
        reduce_only=False,
        others_notional=kept.others_notional() if kept is not None else None,
    )


@given(script=steps, asked=st.sampled_from(SYMBOLS), mark=prices)
def test_the_kept_sums_are_the_walks(script: list[object], asked: str, mark: Decimal) -> None:
    # Four symbols are below the size where sums are kept: 0 makes them kept from the start.
    original, valuation.WALK_BELOW = valuation.WALK_BELOW, 0
    try:
        check_script(script, asked, mark)
    finally:
        valuation.WALK_BELOW = original


def test_a_few_positions_are_walked_to_the_calculators_equity() -> None:
    # Three positions, below the default WALK_BELOW: every answer comes from valuing them again.
    assert len(SYMBOLS) - 1 < valuation.WALK_BELOW
    ledger = Ledger(Decimal(10_000))
    kept = LedgerValuation(ledger)
    marks = {SYMBOLS[0]: Decimal("101.5"), SYMBOLS[1]: Decimal(0)}  # C has no mark at all
    buys = [(SYMBOLS[0], "0.3", "100"), (SYMBOLS[1], "2", "7.25"), (SYMBOLS[2], "1.5", "42")]
    for n, (symbol, size, price) in enumerate(buys):
        ledger.apply_fill(
            Fill(f"f{n}", "c", "x", symbol, Side.BUY, Decimal(size), Decimal(price), Decimal(0), n)
        )
    kept.update(marks, 1)
    assert kept.equity() == EquityCalculator().equity(ledger, marks)
    # A fill within the same marks: the positions are valued again.
    ledger.apply_fill(
        Fill("f9", "c", "x", SYMBOLS[0], Side.SELL, Decimal("0.5"), Decimal(99), Decimal(1), 9)
    )
    kept.update(marks, 1)
    assert kept.equity() == EquityCalculator().equity(ledger, marks)
    # New marks: everything is valued again.
    marks = {**marks, SYMBOLS[2]: Decimal("40.125")}
    kept.update(marks, 2)
    assert kept.equity() == EquityCalculator().equity(ledger, marks)
    assert kept.equity() != ledger.cash


def check_script(script: list[object], asked: str, mark: Decimal) -> None:
    ledger = Ledger(Decimal(10_000))
    kept = LedgerValuation(ledger)
    marks: dict[str, Decimal] = {}
    version = 0
    for n, step in enumerate(script):
        if isinstance(step, dict):
            marks = {**marks, **step}
            version += 1
        else:
            symbol, side, size, price = step  # type: ignore[misc]
            fee = size * price * Decimal("0.0005")
            ledger.apply_fill(Fill(f"f{n}", "c", "x", symbol, side, size, price, fee, n))
        kept.update(marks, version)
        assert same(kept.equity(), EquityCalculator().equity(ledger, marks))
        request = OrderRequest("q", asked, Side.BUY, OrderType.MARKET, Decimal("0.5"))
        walked = total_notional_after(request, context(ledger, marks, None), mark)
        assert same(total_notional_after(request, context(ledger, marks, kept), mark), walked)


def test_a_view_from_before_an_update_no_longer_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(valuation, "WALK_BELOW", 0)
    ledger = Ledger(Decimal(1000))
    kept = LedgerValuation(ledger)
    kept.update({SYMBOLS[0]: Decimal(10)}, 1)
    view = kept.others_notional()
    assert view(SYMBOLS[1], Decimal(0)) == Decimal(0)
    ledger.apply_fill(
        Fill("f1", "c", "x", SYMBOLS[0], Side.BUY, Decimal(1), Decimal(10), Decimal(0), 1)
    )
    kept.update({SYMBOLS[0]: Decimal(10)}, 1)
    assert view(SYMBOLS[1], Decimal(0)) is None
    assert kept.others_notional()(SYMBOLS[1], Decimal(0)) == Decimal(10)
