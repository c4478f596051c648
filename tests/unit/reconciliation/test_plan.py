"""`reconcile` case by case: each situation a restart can meet, and what the plan does about it."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.domain.account import PositionReport
from bot_v2.domain.orders import OrderStatus, Side
from bot_v2.domain.positions import Position, apply_fill
from bot_v2.features.live_trade.client_ids import client_order_id
from bot_v2.features.live_trade.reconciliation import (
    Policy,
    StoredState,
    UnknownOrderPolicy,
    VenueReports,
    reconcile,
)
from bot_v2.ports.state_store import StoredIntent
from tests.unit.reconciliation._support import BTC, ETH, SYMBOLS, fill, order, request

NOW = 1_000_000


def policy(**changes: object) -> Policy:
    base: dict[str, object] = {"now_ms": NOW, "bot_id": "bot"}
    base.update(changes)
    return Policy(**base)  # type: ignore[arg-type]


def venue(**changes: object) -> VenueReports:
    return VenueReports(symbols=SYMBOLS, **changes)  # type: ignore[arg-type]


def report(symbol: str, size: str, entry: str = "100", mark: str = "105") -> PositionReport:
    return PositionReport(symbol, Decimal(size), Decimal(entry), mark_price=Decimal(mark))


def test_nothing_to_do_when_both_sides_agree() -> None:
    stored = StoredState(positions={BTC: Position(BTC, Decimal(1), Decimal(100))})
    plan = reconcile(stored, venue(positions=(report(BTC, "1"),)), policy())
    assert plan.changes == 0 and plan.findings == () and plan.drift == ()


def test_a_pending_intent_the_venue_has_is_adopted_with_its_fills() -> None:
    stored = StoredState(pending_intents=(StoredIntent(request("c1"), 5),))
    reports = venue(
        intent_orders={"c1": order("c1")},
        fills=(fill("f1", coid="c1"),),
        positions=(report(BTC, "1"),),
    )
    plan = reconcile(stored, reports, policy())
    assert plan.orders == (order("c1"),)
    assert plan.intent_outcomes == (("c1", "sent"),)
    assert plan.fills == (fill("f1", coid="c1"),)
    assert plan.drift == ()


def test_a_pending_intent_the_venue_never_saw_is_marked_never_sent() -> None:
    stored = StoredState(pending_intents=(StoredIntent(request("c1"), 5),))
    plan = reconcile(stored, venue(intent_orders={"c1": None}), policy())
    assert plan.intent_outcomes == (("c1", "never_sent"),)
    assert plan.orders == () and plan.fills == ()
    assert "never saw it" in plan.findings[0]


def test_fills_alone_prove_an_intent_was_sent() -> None:
    stored = StoredState(pending_intents=(StoredIntent(request("c1"), 5),))
    reports = venue(
        intent_orders={"c1": None}, fills=(fill("f1", coid="c1"),), positions=(report(BTC, "1"),)
    )
    assert reconcile(stored, reports, policy()).intent_outcomes == (("c1", "sent"),)


def test_open_orders_that_ended_or_vanished_are_closed() -> None:
    stored = StoredState(
        open_orders=(
            order("a", OrderStatus.NEW, "0"),
            order("b", OrderStatus.NEW, "0"),
            order("c", OrderStatus.NEW, "0"),
        )
    )
    reports = venue(
        open_orders=(order("c", OrderStatus.NEW, "0"),),
        order_lookups={"a": order("a", OrderStatus.CANCELED, "0"), "b": None},
    )
    plan = reconcile(stored, reports, policy())
    assert [(o.client_order_id, o.status) for o in plan.orders] == [
        ("a", OrderStatus.CANCELED),
        ("b", OrderStatus.EXPIRED),
    ]


def test_unknown_open_orders_follow_the_policy() -> None:
    stranger = order("manual-1", OrderStatus.NEW, "0")
    reports = venue(open_orders=(stranger,))
    cancel = reconcile(StoredState(), reports, policy())
    assert cancel.cancel == (stranger,) and cancel.orders == ()
    adopt = reconcile(StoredState(), reports, policy(unknown_orders=UnknownOrderPolicy.ADOPT))
    assert adopt.orders == (stranger,) and adopt.cancel == ()


def test_a_position_changed_outside_the_bot_is_booked_so_both_agree() -> None:
    stored = StoredState(positions={BTC: Position(BTC, Decimal(2), Decimal(100))})
    # Partially liquidated: 0.5 left, the venue shows its own entry.
    plan = reconcile(stored, venue(positions=(report(BTC, "0.5", entry="101"),)), policy())
    assert [d.symbol for d in plan.drift] == [BTC]
    assert any(f.startswith("ALERT") for f in plan.findings)
    held = stored.positions[BTC]
    for f in plan.adjustments:
        assert f.client_order_id == "external" and f.timestamp_ms == NOW
        held = apply_fill(held, f.side, f.size, f.price).position
    assert held == Position(BTC, Decimal("0.5"), Decimal(101))
    # The close was booked at the venue's mark.
    assert plan.adjustments[0].price == Decimal(105)


def test_a_position_gone_on_the_venue_is_closed_at_the_best_price_known() -> None:
    stored = StoredState(positions={ETH: Position(ETH, Decimal(-3), Decimal(50))})
    plan = reconcile(stored, venue(), policy(marks={ETH: Decimal(48)}))
    (close,) = plan.adjustments
    assert (close.side, close.size, close.price) == (Side.BUY, Decimal(3), Decimal(48))


def test_while_live_drift_is_booked_only_when_seen_twice() -> None:
    stored = StoredState()
    reports = venue(positions=(report(BTC, "1"),))
    first = reconcile(stored, reports, policy(book_drift_at_once=False))
    assert first.adjustments == () and [d.symbol for d in first.suspected] == [BTC]
    seen = frozenset((d.symbol, d.venue.size) for d in first.suspected)
    second = reconcile(stored, reports, policy(book_drift_at_once=False, suspected=seen))
    assert [d.symbol for d in second.drift] == [BTC] and len(second.adjustments) == 1


def test_a_different_entry_with_the_same_size_is_reported_not_booked() -> None:
    stored = StoredState(positions={BTC: Position(BTC, Decimal(1), Decimal(100))})
    plan = reconcile(stored, venue(positions=(report(BTC, "1", entry="100.01"),)), policy())
    assert plan.changes == 0 and "entry price" in plan.findings[0]


def test_positions_outside_the_bots_symbols_are_not_judged() -> None:
    xrp = "XRP/USDT:USDT"
    stored = StoredState(positions={xrp: Position(xrp, Decimal(10), Decimal(1))})
    plan = reconcile(stored, venue(), policy())
    assert plan.drift == () and "outside the bot's symbols" in plan.findings[0]


def test_the_sequence_floor_skips_ids_the_venue_has_seen() -> None:
    mine = client_order_id("bot", BTC, 41)
    reports = venue(
        fills=(fill("f1", coid=mine), fill("f2", coid="someone-else-99")),
        positions=(report(BTC, "2"),),
    )
    assert reconcile(StoredState(), reports, policy()).sequence_floor == 42
    long_bot = "a-rather-long-bot-name-for-hashing"
    hashed = client_order_id(long_bot, BTC, 7)
    assert hashed.startswith("pb")
    reports = venue(fills=(fill("f1", coid=hashed),), positions=(report(BTC, "1"),))
    assert reconcile(StoredState(), reports, policy(bot_id=long_bot)).sequence_floor == 8


def test_fills_come_out_in_the_venues_order_with_numeric_ties() -> None:
    reports = venue(
        fills=(fill("sim-10-1", ts=5), fill("sim-9-1", ts=5), fill("sim-11-1", ts=4)),
        positions=(report(BTC, "3"),),
    )
    plan = reconcile(StoredState(), reports, policy())
    assert [f.fill_id for f in plan.fills] == ["sim-11-1", "sim-9-1", "sim-10-1"]
