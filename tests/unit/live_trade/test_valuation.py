"""LedgerValuation gives, digit for digit, what EquityCalculator and the exposure rules' own walk
over every position give, through random fills (adds, partial closes, flips: 28-digit averaged
entries included) on four symbols and random mark changes, missing and zero marks included. There
is one way to the answer whatever the number of positions: the sums are kept, their terms on the
money grid like the loops'."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.fills import Fill
from bot_v2.domain.money import ZERO, on_grid
from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.features.live_trade.accounting import EquityCalculator, Ledger
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.exposure import position_notional, total_notional_after
from bot_v2.features.live_trade.sizing.bounds import others_notional
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
    check_script(script, asked, mark)


def test_a_few_positions_are_valued_to_the_calculators_equity() -> None:
    # Three positions, one of them without a mark and one at a zero mark.
    ledger = Ledger(Decimal(10_000))
    kept = LedgerValuation(ledger)
    marks = {SYMBOLS[0]: Decimal("101.5"), SYMBOLS[1]: Decimal(0)}  # C has no mark at all
    buys = [(SYMBOLS[0], "0.3", "100"), (SYMBOLS[1], "2", "7.25"), (SYMBOLS[2], "1.5", "42")]
    for n, (symbol, size, price) in enumerate(buys):
        ledger.apply_fill(
            Fill(f"f{n}", "c", "x", symbol, Side.BUY, Decimal(size), Decimal(price), Decimal(0), n)
        )
    kept.update(marks, 1)
    assert same(kept.equity(), EquityCalculator().equity(ledger, marks))
    # A fill within the same marks: the position it moved is valued again.
    ledger.apply_fill(
        Fill("f9", "c", "x", SYMBOLS[0], Side.SELL, Decimal("0.5"), Decimal(99), Decimal(1), 9)
    )
    kept.update(marks, 1)
    assert same(kept.equity(), EquityCalculator().equity(ledger, marks))
    # New marks: everything is valued again.
    marks = {**marks, SYMBOLS[2]: Decimal("40.125")}
    kept.update(marks, 2)
    assert same(kept.equity(), EquityCalculator().equity(ledger, marks))
    assert kept.equity() != ledger.cash
    # Every position closed: no terms left, and the kept equity is the cash itself, exponent
    # included, as the loop over no positions gives.
    for n, (symbol, position) in enumerate(list(ledger.positions.items())):
        side = Side.SELL if position.size > 0 else Side.BUY
        size = abs(position.size)
        ledger.apply_fill(Fill(f"c{n}", "c", "x", symbol, side, size, Decimal(50), Decimal(0), 20))
    assert not ledger.positions
    kept.update(marks, 2)
    assert same(kept.equity(), EquityCalculator().equity(ledger, marks))
    assert same(kept.equity(), ledger.cash)


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
        # Sizing's bound reads the kept sum too, digit for digit the walk's.
        walked = others_notional(context(ledger, marks, None), asked)
        assert same(others_notional(context(ledger, marks, kept), asked), walked)
        # The liquidation watch's total: every open position at its mark, on the grid.
        loop = sum(
            (on_grid(position_notional(marks, s, p)) for s, p in ledger.positions.items()), ZERO
        )
        assert kept.total_notional() == loop


def test_a_view_from_before_an_update_no_longer_answers() -> None:
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


def test_each_position_enters_equity_on_the_money_grid() -> None:
    # Bought 1 at 10 and 2 at 11: the averaged entry is 32/3, in 28 digits, and the PnL at 12 is
    # 3.999...(28 digits); on the grid it is 4, in the loop and in the kept sum alike.
    ledger = Ledger(Decimal(1000))
    for n, price in enumerate((10, 11)):
        ledger.apply_fill(
            Fill(f"f{n}", "c", "x", SYMBOLS[0], Side.BUY, Decimal(n + 1), Decimal(price), ZERO, n)
        )
    marks = {SYMBOLS[0]: Decimal(12)}
    assert ledger.position(SYMBOLS[0]).unrealized_pnl(Decimal(12)) != 4
    kept = LedgerValuation(ledger)
    kept.update(marks, 1)
    assert same(kept.equity(), Decimal("1004.000000000000"))
    assert same(EquityCalculator().equity(ledger, marks), Decimal("1004.000000000000"))
