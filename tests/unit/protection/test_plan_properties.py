"""Properties of `protect` over any position, exit plan and records: once a plan is applied on a
venue that does what it is asked, the same inputs give an empty plan; a position always ends with
exactly one stop of its size when its plan asks for one; take-profit rungs never close more than
the position."""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.values import ExitKind, ExitPlan, TakeProfitRung
from bot_v2.features.live_trade.protection import (
    Held,
    Inputs,
    ProtectionPlan,
    ProtectiveRecord,
    RecordStatus,
    protect,
)
from tests.unit.protection._support import BTC, MARKETS, NOW, SETTINGS, venue_order

sizes = st.decimals("0.001", "5", places=3)
prices = st.decimals("50", "150", places=2)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Position | None, ExitPlan, Held]:
    position = None
    if draw(st.booleans()):
        sign = draw(st.sampled_from((1, -1)))
        position = Position(BTC, sign * draw(sizes), draw(prices))
    stop = draw(st.none() | prices)
    kind = draw(st.sampled_from((ExitKind.STOP_LOSS, ExitKind.TRAILING, ExitKind.BREAK_EVEN)))
    rungs = tuple(
        TakeProfitRung(i, p, s)
        for i, (p, s) in enumerate(draw(st.lists(st.tuples(prices, sizes), max_size=3)))
    )
    records = tuple(
        ProtectiveRecord(
            f"r{i}",
            BTC,
            ExitKind.TAKE_PROFIT if rung is not None else ExitKind.STOP_LOSS,
            rung,
            side,
            size,
            trigger,
            NOW - 1,
            status,
        )
        for i, (rung, side, size, trigger, status) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.none() | st.integers(0, 3),
                        st.sampled_from(Side),
                        sizes,
                        prices,
                        st.sampled_from(RecordStatus),
                    ),
                    max_size=4,
                )
            )
        )
    )
    return position, ExitPlan(stop, kind, rungs), Held(BTC, records=records)


def apply(plan: ProtectionPlan, held: Held) -> Held:
    """What a venue that does everything asked leaves recorded (as the service stores it)."""
    drop = {r.client_order_id for r in plan.gone + plan.cancel}
    drop.update(r.client_order_id for p in plan.place for r in p.replaces)
    confirmed = {r.client_order_id: r for r in plan.confirmed}
    kept = [
        confirmed.get(r.client_order_id, r) for r in held.records if r.client_order_id not in drop
    ]
    placed = [
        attrs.evolve(p.record, client_order_id=f"n{i}", status=RecordStatus.PLACED)
        for i, p in enumerate(plan.place)
    ]
    return attrs.evolve(held, records=(*kept, *placed))


def pass_once(position: Position | None, exit_plan: ExitPlan, held: Held) -> ProtectionPlan:
    positions = {BTC: position} if position is not None else {}
    venue = tuple(venue_order(r) for r in held.records if r.status is RecordStatus.PLACED)
    return protect(Inputs(positions, {BTC: exit_plan}, {BTC: held}, MARKETS, venue), SETTINGS, NOW)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_applied_plans_converge_to_exactly_the_asked_protection(
    case: tuple[Position | None, ExitPlan, Held],
) -> None:
    position, exit_plan, held = case
    for _ in range(3):
        plan = pass_once(position, exit_plan, held)
        held = apply(plan, held)
    again = pass_once(position, exit_plan, held)
    assert (again.place, again.cancel, again.strays, again.gone) == ((), (), (), ())
    if position is None or position.side is None:
        assert held.records == ()
        return
    closing = position.side.opposite
    assert all(r.side is closing for r in held.records)
    stops = [r for r in held.records if r.is_stop]
    if exit_plan.stop_price is None:
        assert stops == []
    else:
        (stop,) = stops
        assert stop.size == abs(position.size)
    rung_total = sum((r.size for r in held.records if not r.is_stop), Decimal(0))
    assert rung_total <= abs(position.size)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_a_replacement_never_cancels_the_only_stop_before_its_successor_is_placed(
    case: tuple[Position | None, ExitPlan, Held],
) -> None:
    position, exit_plan, held = case
    if position is None or position.side is None or exit_plan.stop_price is None:
        return
    plan = pass_once(position, exit_plan, held)
    # Stops that cover this position (a stop of the other side is a flipped position's orphan).
    covering = {
        r.client_order_id
        for r in held.records
        if r.is_stop and r.status is RecordStatus.PLACED and r.side is position.side.opposite
    }
    cancelled = {r.client_order_id for r in plan.cancel if r.is_stop}
    if covering:
        # What is cancelled at once never takes every covering stop away; the rest waits for
        # its replacement (Placement.replaces).
        assert covering - cancelled, (plan, held)
