from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position, apply_fill
from bot_v2.features.live_trade.accounting import EquityCalculator, Ledger

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
D = Decimal


def fill(
    fill_id: str,
    side: Side,
    size: str | Decimal,
    price: str | Decimal,
    fee: str | Decimal = "0",
    ts: int = 0,
    symbol: str = BTC,
) -> Fill:
    return Fill(
        fill_id, f"c-{fill_id}", f"x-{fill_id}", symbol, side, D(size), D(price), D(fee), ts
    )


def funding(amount: str, ts: int, symbol: str = BTC) -> FundingPayment:
    return FundingPayment(symbol, ts, D("0.0001"), D(1), D(100), D(amount))


# --- domain apply_fill: average entry and flips -------------------------------------------------


def test_adding_averages_the_entry() -> None:
    effect = apply_fill(Position(BTC, D(1), D(100)), Side.BUY, D(3), D(120))
    assert effect.position == Position(BTC, D(4), D(115))
    assert effect.realized_pnl == 0


def test_partial_close_keeps_entry_and_realizes() -> None:
    effect = apply_fill(Position(BTC, D(-2), D(100)), Side.BUY, D(1), D(90))
    assert effect.position == Position(BTC, D(-1), D(100))
    assert effect.realized_pnl == D(10)


def test_oversized_fill_flips_at_the_fill_price() -> None:
    effect = apply_fill(Position(BTC, D(1), D(100)), Side.SELL, D(3), D(110))
    assert effect.position == Position(BTC, D(-2), D(110))
    assert effect.realized_pnl == D(10)


# --- Ledger --------------------------------------------------------------------------------------


def test_round_trip_books_one_closed_trade() -> None:
    ledger = Ledger(D(1000))
    assert ledger.apply_fill(fill("1", Side.BUY, "2", "100", "0.2", ts=1))
    ledger.apply_funding(funding("-0.5", ts=2))
    assert ledger.apply_fill(fill("2", Side.SELL, "2", "110", "0.3", ts=3))
    (trade,) = ledger.closed_trades
    assert (trade.side, trade.size, trade.entry_price, trade.exit_price) == (
        Side.BUY,
        D(2),
        D(100),
        D(110),
    )
    assert (trade.opened_ms, trade.closed_ms) == (1, 3)
    assert (trade.pnl, trade.fees, trade.funding) == (D(20), D("0.5"), D("-0.5"))
    assert trade.net == D(19)
    assert ledger.cash == D(1019)
    assert ledger.positions == {}
    assert ledger.position(BTC) == Position(BTC)
    assert ledger.fill_count == 2


def test_flip_closes_one_trade_and_opens_the_next_splitting_the_fee() -> None:
    ledger = Ledger(D(0))
    ledger.apply_fill(fill("1", Side.BUY, "1", "100", "1", ts=1))
    ledger.apply_fill(fill("2", Side.SELL, "4", "90", "4", ts=2))
    (first,) = ledger.closed_trades
    assert (first.side, first.pnl, first.fees) == (Side.BUY, D(-10), D(2))
    assert ledger.position(BTC) == Position(BTC, D(-3), D(90))
    ledger.apply_fill(fill("3", Side.BUY, "3", "80", "0", ts=3))
    second = ledger.closed_trades[1]
    assert (second.side, second.size, second.entry_price, second.exit_price) == (
        Side.SELL,
        D(3),
        D(90),
        D(80),
    )
    assert (second.pnl, second.fees, second.opened_ms) == (D(30), D(3), 2)
    assert ledger.realized_pnl == D(20)
    assert ledger.fees_paid == D(5)


def test_duplicate_fill_is_ignored() -> None:
    ledger = Ledger(D(100))
    first = fill("a", Side.BUY, "1", "100", "0.1")
    assert ledger.apply_fill(first)
    assert not ledger.apply_fill(first)
    assert ledger.position(BTC).size == 1
    assert ledger.fees_paid == D("0.1")
    assert ledger.fill_count == 1
    assert ledger.has_fill("a")


def test_duplicate_funding_is_ignored() -> None:
    ledger = Ledger(D(100))
    assert ledger.apply_funding(funding("1.5", ts=8))
    assert not ledger.apply_funding(funding("1.5", ts=8))
    assert ledger.apply_funding(funding("1.5", ts=8, symbol=ETH))
    assert ledger.funding_net == D(3)
    assert ledger.cash == D(103)


def test_fill_with_non_positive_size_is_refused() -> None:
    ledger = Ledger(D(100))
    bad = Fill("z", "c", "x", BTC, Side.BUY, D(0), D(1), D(0), 0)
    with pytest.raises(ValueError, match="size"):
        ledger.apply_fill(bad)
    assert ledger.fill_count == 0


def test_equity_exposure_and_unrealized_at_marks() -> None:
    ledger = Ledger(D(1000))
    ledger.apply_fill(fill("1", Side.BUY, "2", "100"))
    ledger.apply_fill(fill("2", Side.SELL, "10", "50", symbol=ETH))
    calc = EquityCalculator()
    marks = {BTC: D(110)}  # ETH has no mark: valued at entry
    assert calc.unrealized(ledger, marks) == D(20)
    assert calc.equity(ledger, marks) == D(1020)
    assert calc.exposure(ledger, marks) == D(220) + D(500)
    assert calc.unrealized(ledger, {BTC: D(110), ETH: D(40)}) == D(120)


# --- properties ----------------------------------------------------------------------------------

sizes = st.integers(1, 5000).map(lambda n: D(n) / 1000)
prices = st.integers(1, 200_000).map(lambda n: D(n) / 10)
fees = st.integers(0, 500).map(lambda n: D(n) / 100)
steps = st.lists(
    st.tuples(st.sampled_from([Side.BUY, Side.SELL]), sizes, prices, fees), min_size=1, max_size=25
)


def build_fills(raw: list[tuple[Side, Decimal, Decimal, Decimal]], close_at: Decimal) -> list[Fill]:
    """The random fills, plus one more that brings the position back to flat."""
    fills: list[Fill] = []
    position = Position(BTC)
    for i, (side, size, price, fee) in enumerate(raw):
        fills.append(fill(str(i), side, size, price, fee, ts=i))
        position = apply_fill(position, side, size, price).position
    if position.size != 0:
        side = Side.SELL if position.size > 0 else Side.BUY
        fills.append(fill("last", side, abs(position.size), close_at, "0.5", ts=len(raw)))
    return fills


def state(ledger: Ledger) -> tuple[object, ...]:
    return (
        dict(ledger.positions),
        ledger.cash,
        ledger.realized_pnl,
        ledger.fees_paid,
        ledger.funding_net,
        tuple(ledger.closed_trades),
        ledger.fill_count,
    )


@given(steps, prices, st.lists(st.integers(-1000, 1000), max_size=5))
def test_round_trip_pnl_minus_fees_plus_funding_is_the_cash_change(
    raw: list[tuple[Side, Decimal, Decimal, Decimal]], close_at: Decimal, funding_cents: list[int]
) -> None:
    fills = build_fills(raw, close_at)
    ledger = Ledger(D(10_000))
    for i, f in enumerate(fills):
        ledger.apply_fill(f)
        # Funding is paid on open positions only, so each payment belongs to a trade.
        if i < len(funding_cents) and ledger.positions:
            ledger.apply_funding(funding(str(D(funding_cents[i]) / 100), ts=i))
    assert ledger.positions == {}
    # Realized PnL of a round trip is its cash flow, however the fills were split.
    cash_flow = -sum((f.side.sign * f.size * f.price for f in fills), D(0))
    assert abs(ledger.realized_pnl - cash_flow) <= D("1e-12")
    total_fees = sum((f.fee for f in fills), D(0))
    assert ledger.fees_paid == total_fees
    change = ledger.cash - D(10_000)
    # Not exact: average entries are rounded to 28 digits by Decimal, so PnL carries ~1e-25 residue.
    assert abs(change - (ledger.realized_pnl - ledger.fees_paid + ledger.funding_net)) <= D("1e-12")
    trades = ledger.closed_trades
    assert trades
    assert abs(sum((t.net for t in trades), D(0)) - change) <= D("1e-12")
    assert EquityCalculator().equity(ledger, {BTC: D(1)}) == ledger.cash
    for trade in trades:
        assert trade.size > 0
        assert abs(
            trade.pnl - (trade.exit_price - trade.entry_price) * trade.size * trade.side.sign
        ) <= D("1e-12")


@given(steps, prices, st.data())
def test_applying_fills_twice_in_any_duplicate_order_gives_the_same_state(
    raw: list[tuple[Side, Decimal, Decimal, Decimal]], close_at: Decimal, data: st.DataObject
) -> None:
    fills = build_fills(raw, close_at)
    once = Ledger(D(500))
    for f in fills:
        once.apply_fill(f)
    # Each fill appears again at some later point; duplicates never come before their original.
    replay = list(fills)
    for f in fills:
        first = replay.index(f)
        at = data.draw(st.integers(first + 1, len(replay)))
        replay.insert(at, f)
    twice = Ledger(D(500))
    applied = [twice.apply_fill(f) for f in replay]
    assert applied.count(True) == len(fills)
    assert state(twice) == state(once)
    for f in fills:
        assert not twice.apply_fill(f)
    assert state(twice) == state(once)
