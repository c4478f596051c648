"""Properties of `reconcile` over generated worlds: a venue history, a store that saw only part of
it (the bot died somewhere), pending intents, open orders known and unknown, and position changes
the venue's fill history does not show.

- idempotent: apply the plan, reconcile again against the same venue: nothing left to change;
- convergent: after the plan, stored positions equal the venue's;
- order-insensitive: the venue's fills shuffled and duplicated give the same plan.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.domain.account import PositionReport
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Order, OrderStatus, Side
from bot_v2.domain.positions import Position, apply_fill
from bot_v2.features.live_trade.reconciliation import (
    Policy,
    ReconciliationPlan,
    StoredState,
    UnknownOrderPolicy,
    VenueReports,
    reconcile,
)
from bot_v2.features.live_trade.reconciliation.plan import same_price
from bot_v2.ports.state_store import StoredIntent
from tests.unit.reconciliation._support import SYMBOLS, fill, order, request

NOW = 10_000_000

leg = st.tuples(
    st.sampled_from(SYMBOLS),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(1, 40).map(lambda n: Decimal(n) / 10),
    st.integers(95, 105).map(Decimal),
)


@attrs.frozen
class World:
    stored: StoredState
    venue: VenueReports
    policy: Policy


def held(fills: list[Fill]) -> dict[str, Position]:
    positions: dict[str, Position] = {}
    for f in fills:
        before = positions.get(f.symbol) or Position(f.symbol)
        positions[f.symbol] = apply_fill(before, f.side, f.size, f.price).position
    return {s: p for s, p in positions.items() if not p.is_flat}


@st.composite
def worlds(draw: st.DrawFn) -> World:
    legs = draw(st.lists(leg, max_size=14))
    # Several fills may share a millisecond (a flip's two legs); ids still rise with time.
    times = sorted(draw(st.lists(st.integers(1, 30), min_size=len(legs), max_size=len(legs))))
    history = [
        fill(f"v-{i}", side, size, price, ts=t * 1000, symbol=symbol, coid=f"bot-{i}")
        for i, ((symbol, side, size, price), t) in enumerate(zip(legs, times, strict=True))
    ]
    seen = draw(st.integers(0, len(history)))
    hidden_legs = draw(st.lists(leg, max_size=2))
    hidden = [
        fill(f"h-{i}", side, size, price, ts=0, symbol=symbol)
        for i, (symbol, side, size, price) in enumerate(hidden_legs)
    ]
    found = draw(st.lists(st.booleans(), max_size=3))
    # A found intent's order filled, and the venue reports its fill: an order is "sent" only once
    # its fills are in (a fill lagging its order keeps the intent pending; see intents.py).
    intent_fills = [
        fill(f"p-fill-{i}", ts=31_000, coid=f"p-{i}") for i, hit in enumerate(found) if hit
    ]
    venue_positions = held(history + intent_fills + hidden)
    funding = [
        FundingPayment(s, t * 1000, Decimal("0.0001"), Decimal(1), Decimal(100), Decimal("-0.01"))
        for s, t in draw(st.sets(st.tuples(st.sampled_from(SYMBOLS), st.integers(1, 30))))
    ]
    funding_seen = draw(st.integers(0, len(funding)))
    intents = tuple(StoredIntent(request(f"p-{i}"), 1) for i in range(len(found)))
    intent_orders: dict[str, Order | None] = {
        f"p-{i}": order(f"p-{i}") if hit else None for i, hit in enumerate(found)
    }
    known_open = tuple(
        order(f"o-{i}", OrderStatus.NEW, "0") for i in range(draw(st.integers(0, 2)))
    )
    ended = draw(st.lists(st.sampled_from([None, "canceled", "open"]), max_size=len(known_open)))
    lookups: dict[str, Order | None] = {}
    still_open: list[Order] = []
    for o, fate in zip(known_open, ended, strict=False):
        if fate == "open":
            still_open.append(o)
        else:
            lookups[o.client_order_id] = (
                None if fate is None else attrs.evolve(o, status=OrderStatus.CANCELED)
            )
    strangers = [order(f"u-{i}", OrderStatus.NEW, "0") for i in range(draw(st.integers(0, 2)))]
    return World(
        stored=StoredState(
            pending_intents=intents,
            open_orders=known_open,
            positions=held(history[:seen]),
            fill_ids=frozenset(f.fill_id for f in history[:seen]),
            funding_keys=frozenset((p.symbol, p.timestamp_ms) for p in funding[:funding_seen]),
        ),
        venue=VenueReports(
            symbols=SYMBOLS,
            intent_orders=intent_orders,
            open_orders=(*still_open, *strangers),
            order_lookups=lookups,
            # Asked from the last stored fill's time.
            fills=(*history[max(seen - 1, 0) :], *intent_fills),
            funding=tuple(funding),
            positions=tuple(
                PositionReport(s, p.size, p.entry_price, mark_price=Decimal(101))
                for s, p in venue_positions.items()
            ),
        ),
        policy=Policy(
            now_ms=NOW,
            bot_id="bot",
            unknown_orders=draw(st.sampled_from(list(UnknownOrderPolicy))),
        ),
    )


def applied(stored: StoredState, plan: ReconciliationPlan) -> StoredState:
    """What the service leaves in the store, modelled on the values."""
    booked = [*plan.fills, *plan.adjustments]
    positions = dict(stored.positions)
    for f in booked:
        before = positions.get(f.symbol) or Position(f.symbol)
        positions[f.symbol] = apply_fill(before, f.side, f.size, f.price).position
    orders = {o.client_order_id: o for o in stored.open_orders}
    orders.update({o.client_order_id: o for o in plan.orders})
    orders.update(
        {o.client_order_id: attrs.evolve(o, status=OrderStatus.CANCELED) for o in plan.cancel}
    )
    resolved = {coid for coid, _ in plan.intent_outcomes}
    return StoredState(
        pending_intents=tuple(
            i for i in stored.pending_intents if i.request.client_order_id not in resolved
        ),
        open_orders=tuple(o for o in orders.values() if o.status.is_open),
        positions={s: p for s, p in positions.items() if not p.is_flat},
        fill_ids=stored.fill_ids | {f.fill_id for f in booked},
        funding_keys=stored.funding_keys | {(p.symbol, p.timestamp_ms) for p in plan.funding},
    )


def after_cancels(venue: VenueReports, plan: ReconciliationPlan) -> VenueReports:
    gone = {o.client_order_id for o in plan.cancel}
    return attrs.evolve(
        venue, open_orders=tuple(o for o in venue.open_orders if o.client_order_id not in gone)
    )


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_reconciling_twice_changes_nothing_the_second_time(world: World) -> None:
    first = reconcile(world.stored, world.venue, world.policy)
    stored = applied(world.stored, first)
    venue = after_cancels(world.venue, first)
    second = reconcile(stored, venue, attrs.evolve(world.policy, now_ms=NOW + 1))
    assert second.changes == 0, second
    assert second.drift == () and second.suspected == ()
    reported = {r.symbol: r for r in venue.positions}
    assert {s: p.size for s, p in stored.positions.items()} == {
        s: r.size for s, r in reported.items()
    }
    for symbol, position in stored.positions.items():
        if not same_price(position.entry_price, reported[symbol].entry_price):
            # Hidden fills can leave the size as it was and move only the venue's entry: that is
            # left as stored by design (no fill explains it), but the pass must say so.
            assert any(f.startswith(f"{symbol}: entry price") for f in second.findings), second


@settings(max_examples=300, deadline=None)
@given(worlds(), st.randoms(use_true_random=False), st.integers(0, 5))
def test_fills_in_any_order_with_duplicates_give_the_same_plan(
    world: World, rng: st.SearchStrategy[object], copies: int
) -> None:
    fills = list(world.venue.fills)
    fills += [rng.choice(fills) for _ in range(copies)] if fills else []  # type: ignore[attr-defined]
    rng.shuffle(fills)  # type: ignore[attr-defined]
    funding = list(world.venue.funding) * 2
    rng.shuffle(funding)  # type: ignore[attr-defined]
    shuffled = attrs.evolve(world.venue, fills=tuple(fills), funding=tuple(funding))
    assert reconcile(world.stored, shuffled, world.policy) == reconcile(
        world.stored, world.venue, world.policy
    )
