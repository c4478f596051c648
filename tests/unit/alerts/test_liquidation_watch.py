"""The liquidation watch as a state machine: one notice when a position's estimated liquidation
comes closer than the threshold, one when it is clearly back (RECOVERY_MARGIN), nothing while it
stays on either side, nothing for a position that closed, again for a new position."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.risk.liquidation import liquidation_distance
from bot_v2.features.live_trade.risk.liquidation_watch import (
    BELOW,
    RECOVERED,
    RECOVERY_MARGIN,
    liquidation_price,
    watch,
)

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
D = Decimal
MMR, THRESHOLD = D("0.005"), D("0.05")


def long(symbol: str = BTC, size: str = "1") -> Position:
    return Position(symbol, D(size), D(100))


def test_one_notice_below_none_while_below_one_on_recovery() -> None:
    pos = {BTC: long()}
    # 1 BTC at 100 = 100 notional: distance = equity / 100 - 0.005
    below, notices = watch({}, pos, {BTC: D(100)}, D(50), MMR, THRESHOLD)
    assert below == {} and notices == []
    below, notices = watch(below, pos, {BTC: D(100)}, D(5), MMR, THRESHOLD)
    assert below == {BTC: Side.BUY}
    [notice] = notices
    assert notice.kind == BELOW and notice.symbol == BTC
    # 4.5% away: liquidation at 95.5
    assert notice.detail == (
        f"{BTC}: long 1, mark 100, estimated liquidation ~95.5 (4.50% away; "
        "alerts.liquidation_distance_pct: below 5.00%)"
    )
    below, notices = watch(below, pos, {BTC: D(100)}, D(3), MMR, THRESHOLD)
    assert notices == []
    # At the threshold again, but not yet RECOVERY_MARGIN times it (6%): still below, silent.
    below, notices = watch(below, pos, {BTC: D(100)}, D("5.6"), MMR, THRESHOLD)
    assert notices == [] and below == {BTC: Side.BUY}
    below, notices = watch(below, pos, {BTC: D(100)}, D("6.6"), MMR, THRESHOLD)
    assert below == {} and [n.kind for n in notices] == [RECOVERED]
    assert "back above 6.00%" in notices[0].detail


def test_a_closed_position_leaves_silently_and_a_new_or_flipped_one_is_new() -> None:
    below, _ = watch({}, {BTC: long()}, {BTC: D(100)}, D(1), MMR, THRESHOLD)
    assert below == {BTC: Side.BUY}
    gone, notices = watch(below, {}, {BTC: D(100)}, D(1), MMR, THRESHOLD)
    assert gone == {} and notices == []
    short = {BTC: Position(BTC, D(-1), D(100))}
    flipped, notices = watch(below, short, {BTC: D(100)}, D(1), MMR, THRESHOLD)
    assert flipped == {BTC: Side.SELL} and [n.kind for n in notices] == [BELOW]
    assert "short 1" in notices[0].detail and "~100.5" in notices[0].detail


def test_every_position_is_told_once_and_the_estimate_is_the_accounts() -> None:
    pos = {BTC: long(), ETH: long(ETH, "2")}
    marks = {BTC: D(100), ETH: D(50)}
    below, notices = watch({}, pos, marks, D(8), MMR, THRESHOLD)
    assert [(n.kind, n.symbol) for n in notices] == [(BELOW, BTC), (BELOW, ETH)]
    distance = liquidation_distance(D(8), D(200), MMR)
    assert f"({distance * 100:.2f}% away" in notices[1].detail
    _, again = watch(below, pos, marks, D(8), MMR, THRESHOLD)
    assert again == []


def test_liquidation_price_moves_against_the_position() -> None:
    assert liquidation_price(D(1), D(100), D("0.1")) == D(90)
    assert liquidation_price(D(-1), D(100), D("0.1")) == D(110)
    assert liquidation_price(D(1), D(100), D(2)) is None
    assert liquidation_price(D(0), D(100), D("0.1")) is None


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=D("0.5"), max_value=D(20), places=2),  # equity
            st.sampled_from([None, "1", "-1", "2"]),  # the position's size (None: flat)
        ),
        min_size=1,
        max_size=40,
    )
)
def test_notices_alternate_and_the_state_is_the_hysteresis(steps: list) -> None:
    below: dict[str, Side] = {}
    told: list[str] = []
    for equity, size in steps:
        pos = {} if size is None else {BTC: Position(BTC, D(size), D(100))}
        was = dict(below)
        total = sum((abs(p.size) * 100 for p in pos.values()), D(0))
        kept = watch(below, pos, {BTC: D(100)}, equity, MMR, THRESHOLD, total_notional=total)
        below, notices = watch(below, pos, {BTC: D(100)}, equity, MMR, THRESHOLD)
        assert kept == (below, notices)  # the runtime's kept total answers the same
        if size is None:
            assert below == {} and notices == []
            told = []
            continue
        distance = liquidation_distance(equity, abs(D(size)) * 100, MMR)
        assert distance is not None
        same = was.get(BTC) == pos[BTC].side
        if not same:
            told = []  # a new position: its notices start afresh
        expected_below = distance < THRESHOLD or (same and distance < THRESHOLD * RECOVERY_MARGIN)
        assert (BTC in below) == expected_below
        told += [n.kind for n in notices]
        # BELOW, RECOVERED, BELOW, ... for each position, never two alike in a row.
        assert told == [BELOW, RECOVERED] * (len(told) // 2) + [BELOW] * (len(told) % 2)
        assert len(notices) <= 1
