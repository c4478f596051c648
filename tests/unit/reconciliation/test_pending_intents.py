"""Pending intents are resolved on evidence only. A venue whose read side lags its matching engine
answers "not found" for an order it has; before `pending_timeout_ms` that proves nothing, so the
intent stays pending (its symbol reduce-only, its position drift not booked), and after it the
bot alerts and lets the position check decide."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.domain.account import PositionReport
from bot_v2.domain.orders import OrderRequest, OrderStatus, OrderType, Side
from bot_v2.domain.positions import Position
from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.reconciliation import Policy, StoredState, VenueReports, reconcile
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.pre_trade import PreTradeRisk
from bot_v2.ports.state_store import StoredIntent
from tests.unit.reconciliation._support import BTC, SYMBOLS, fill, order, request
from tests.unit.reconciliation.test_properties import applied

CREATED = 1_000_000
TIMEOUT = 300_000
D = Decimal


def pending(coid: str = "c1", created: int = CREATED) -> StoredState:
    return StoredState(pending_intents=(StoredIntent(request(coid), created),))


def policy(now: int, timeout: int = TIMEOUT, **changes: object) -> Policy:
    return Policy(now_ms=now, bot_id="bot", pending_timeout_ms=timeout, **changes)  # type: ignore[arg-type]


def held(size: str) -> tuple[PositionReport, ...]:
    return (PositionReport(BTC, D(size), D(100), mark_price=D(105)),)


def test_not_found_before_the_timeout_stays_pending() -> None:
    reports = VenueReports(symbols=SYMBOLS, intent_orders={"c1": None})
    plan = reconcile(pending(), reports, policy(CREATED + TIMEOUT - 1))
    assert plan.intent_outcomes == ()
    assert [i.request.client_order_id for i in plan.waiting] == ["c1"]
    assert plan.unresolved == ()
    assert any("not found at the venue yet" in f for f in plan.findings)


def test_a_position_the_pending_order_may_explain_is_not_booked_while_it_is_pending() -> None:
    # The venue filled it and shows the position; its lookup and its fill lag behind.
    reports = VenueReports(symbols=SYMBOLS, intent_orders={"c1": None}, positions=held("1"))
    for at_once in (True, False):
        plan = reconcile(pending(), reports, policy(CREATED + 1, book_drift_at_once=at_once))
        assert plan.adjustments == () and plan.drift == () and plan.suspected == ()
        assert plan.intent_outcomes == ()


def test_each_kind_of_evidence_resolves_it_as_sent_before_the_timeout() -> None:
    now = CREATED + 1
    resting = order("c1", OrderStatus.NEW, "0")
    evidence = {
        "lookup": VenueReports(
            symbols=SYMBOLS,
            intent_orders={"c1": order("c1")},
            fills=(fill("f1", coid="c1"),),
            positions=held("1"),
        ),
        "open orders": VenueReports(
            symbols=SYMBOLS, intent_orders={"c1": None}, open_orders=(resting,)
        ),
        "fills": VenueReports(
            symbols=SYMBOLS,
            intent_orders={"c1": None},
            fills=(fill("f1", coid="c1"),),
            positions=held("1"),
        ),
    }
    for kind, reports in evidence.items():
        plan = reconcile(pending(), reports, policy(now))
        assert plan.intent_outcomes == (("c1", "sent"),), kind
        assert plan.waiting == () and plan.unresolved == (), kind


def test_found_but_its_fills_not_yet_reported_it_stays_pending() -> None:
    # Booking the position now would book the fill twice: as external, then as itself.
    reports = VenueReports(symbols=SYMBOLS, intent_orders={"c1": order("c1")}, positions=held("1"))
    plan = reconcile(pending(), reports, policy(CREATED + 1, book_drift_at_once=True))
    assert plan.intent_outcomes == () and plan.orders == ()
    assert [i.request.client_order_id for i in plan.waiting] == ["c1"]
    assert plan.adjustments == () and plan.drift == ()


def test_after_the_timeout_it_is_unresolved_with_an_alert_and_the_position_check_decides() -> None:
    reports = VenueReports(symbols=SYMBOLS, intent_orders={"c1": None}, positions=held("1"))
    # While live, drift waits for a second pass; not this one: the next decision would otherwise
    # see the old position and open again.
    plan = reconcile(pending(), reports, policy(CREATED + TIMEOUT, book_drift_at_once=False))
    assert plan.intent_outcomes == (("c1", "unresolved"),)
    assert [i.request.client_order_id for i in plan.unresolved] == ["c1"]
    assert any(f.startswith("ALERT order c1") and "unresolved" in f for f in plan.findings)
    assert [d.symbol for d in plan.drift] == [BTC]
    assert sum(f.size for f in plan.adjustments) == D(1)


def test_a_timeout_of_zero_trusts_the_venues_lookups() -> None:
    reports = VenueReports(symbols=SYMBOLS, intent_orders={"c1": None})
    plan = reconcile(pending(), reports, policy(CREATED, timeout=0))
    assert plan.intent_outcomes == (("c1", "never_sent"),)


# -- any interleaving of lagging reads --------------------------------------------------------

NEVER = 10**6
lag = st.one_of(st.integers(0, 12), st.just(NEVER))
LIMITS = RiskLimits(D(10), D(10**6), D(10**6), D(10**6), D(10**6))


def opening_allowed(stored: StoredState) -> bool:
    """Would the real risk rules let the next decision open more BTC?"""
    ctx = RiskContext(
        equity=D(10**6),
        positions=dict(stored.positions),
        marks={BTC: D(100)},
        day_pnl=D(0),
        kill_switch=False,
        reduce_only=False,
        pending_symbols=frozenset(i.request.symbol for i in stored.pending_intents),
    )
    again = OrderRequest("c2", BTC, Side.BUY, OrderType.MARKET, D(1))
    return PreTradeRisk(LIMITS).check(again, ctx).approved


@settings(max_examples=400, deadline=None)
@given(
    taken=st.booleans(),
    lookup_from=lag,
    fills_from=lag,
    positions_from=st.integers(0, 12),
    step_ms=st.integers(1_000, 120_000),
    timeout_ms=st.integers(1_000, 900_000),
)
def test_lagging_reads_never_open_twice_nor_give_up_early(
    taken: bool,
    lookup_from: int,
    fills_from: int,
    positions_from: int,
    step_ms: int,
    timeout_ms: int,
) -> None:
    """The venue took the order (a market buy of 1, filled) or not. Its lookup by client id, its
    fill history and its position report each show the order from some pass on (or never). The
    bot reconciles every cycle, applies each plan, and after each pass a strategy wants to buy
    BTC again."""
    # The position comes from the matching engine: it never shows later than the read side.
    positions_from = min(positions_from, lookup_from, fills_from)
    stored = pending()
    suspected: frozenset[tuple[str, Decimal]] = frozenset()
    outcome = ""
    for n in range(30):
        now = CREATED + n * step_ms
        reports = VenueReports(
            symbols=SYMBOLS,
            intent_orders={"c1": order("c1") if taken and n >= lookup_from else None},
            fills=(fill("f1", coid="c1"),) if taken and n >= fills_from else (),
            positions=held("1") if taken and n >= positions_from else (),
        )
        evidence = taken and (n >= lookup_from or n >= fills_from)
        plan = reconcile(
            stored, reports, policy(now, timeout_ms, book_drift_at_once=False, suspected=suspected)
        )
        suspected = frozenset((d.symbol, d.venue.size) for d in plan.suspected)
        stored = applied(stored, plan)
        decided = dict(plan.intent_outcomes)
        if not outcome and "c1" in decided:
            outcome = decided["c1"]
            if evidence:
                assert outcome == "sent"
            else:
                # Never given up on while evidence may still appear.
                assert now - CREATED >= timeout_ms and outcome == "unresolved"
        assert "never_sent" not in decided.values()
        if not outcome:
            # In doubt: nothing booked for BTC, and no second opening order passes risk.
            assert plan.adjustments == ()
            assert not opening_allowed(stored)
    if taken and outcome == "sent":
        # Exactly the one fill's worth, adopted as the order's own fill, never as external.
        assert stored.positions[BTC].size == D(1)
    if taken and outcome == "sent" and fills_from != NEVER:
        assert stored.fill_ids == frozenset({"f1"})
    if not taken:
        assert stored.positions.get(BTC, Position(BTC)).is_flat
