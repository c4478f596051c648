"""`protect` case by case: each situation a position and its protective orders can be in, and
what the plan does about it."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.domain.orders import Order, Side
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.values import ExitKind, ExitPlan, ExitState, TakeProfitRung
from bot_v2.features.live_trade.protection import Held, Inputs, RecordStatus, protect
from bot_v2.features.live_trade.protection.ids import protective_order_id
from tests.unit.protection._support import (
    BTC,
    MARKETS,
    NOW,
    SETTINGS,
    long,
    record,
    short,
    stop_plan,
    venue_order,
)


def inputs(
    positions: dict[str, Position],
    plans: dict[str, ExitPlan] | None = None,
    held: dict[str, Held] | None = None,
    *,
    venue: tuple[Order, ...] | None = None,
) -> Inputs:
    return Inputs(positions, plans or {}, held or {}, MARKETS, venue)


def test_an_open_position_gets_a_reduce_only_stop_of_its_size() -> None:
    plan = protect(inputs({BTC: long("0.5")}, {BTC: stop_plan("95.03")}), SETTINGS, NOW)
    (placement,) = plan.place
    r = placement.record
    assert (r.symbol, r.side, r.size, r.rung, r.kind) == (
        BTC,
        Side.SELL,
        Decimal("0.5"),
        None,
        ExitKind.STOP_LOSS,
    )
    # A long's sell stop rounds up to the tick: never farther from the price than asked.
    assert r.trigger_price == Decimal("95.1")
    assert placement.replaces == () and plan.cancel == ()


def test_a_short_gets_a_buy_stop_rounded_down() -> None:
    plan = protect(inputs({BTC: short("2")}, {BTC: stop_plan("105.07")}), SETTINGS, NOW)
    (placement,) = plan.place
    assert placement.record.side is Side.BUY
    assert placement.record.trigger_price == Decimal("105.0")


def test_a_held_stop_that_matches_changes_nothing() -> None:
    held = {BTC: Held(BTC, records=(record("s1", "95", "1"),))}
    plan = protect(inputs({BTC: long("1")}, {BTC: stop_plan("95")}, held), SETTINGS, NOW)
    assert plan.changes == 0


def test_a_moved_stop_is_replaced_new_first() -> None:
    old = record("s1", "95", "1")
    held = {BTC: Held(BTC, records=(old,))}
    plan = protect(
        inputs({BTC: long("1")}, {BTC: stop_plan("98", ExitKind.TRAILING)}, held), SETTINGS, NOW
    )
    (placement,) = plan.place
    assert placement.record.trigger_price == Decimal("98")
    assert placement.record.kind is ExitKind.TRAILING
    # The old stop is cancelled only through the placement, once the new one is on the venue.
    assert placement.replaces == (old,)
    assert plan.cancel == ()


def test_a_stop_whose_size_no_longer_matches_is_replaced() -> None:
    old = record("s1", "95", "1")
    held = {BTC: Held(BTC, records=(old,))}
    plan = protect(inputs({BTC: long("0.4")}, {BTC: stop_plan("95")}, held), SETTINGS, NOW)
    (placement,) = plan.place
    assert placement.record.size == Decimal("0.4") and placement.replaces == (old,)


def test_once_the_new_stop_is_placed_the_old_one_is_cancelled() -> None:
    # A crash between the new placement and the old cancel leaves both recorded.
    old, new = record("s1", "95"), record("s2", "98")
    held = {BTC: Held(BTC, records=(old, new))}
    plan = protect(inputs({BTC: long("1")}, {BTC: stop_plan("98")}, held), SETTINGS, NOW)
    assert plan.place == () and plan.cancel == (old,)


def test_a_pending_new_stop_keeps_the_old_one_until_it_is_confirmed() -> None:
    old, new = record("s1", "95"), record("s2", "98", status=RecordStatus.PENDING)
    held = {BTC: Held(BTC, records=(old, new))}
    plan = protect(inputs({BTC: long("1")}, {BTC: stop_plan("98")}, held), SETTINGS, NOW)
    assert plan.place == () and plan.cancel == ()
    confirmed = protect(
        inputs(
            {BTC: long("1")},
            {BTC: stop_plan("98")},
            held,
            venue=(venue_order(old), venue_order(new)),
        ),
        SETTINGS,
        NOW,
    )
    assert [r.client_order_id for r in confirmed.confirmed] == ["s2"]
    assert confirmed.cancel == (old,)


def test_orphans_of_a_closed_position_are_cancelled_and_its_state_cleared() -> None:
    stop, tp = record("s1"), record("t1", "110", "0.5", rung=0, kind=ExitKind.TAKE_PROFIT)
    state = ExitState(BTC, Side.BUY, Decimal(100), 0, Decimal(100))
    held = {BTC: Held(BTC, exit_state=state, records=(stop, tp))}
    plan = protect(inputs({}, {}, held), SETTINGS, NOW)
    assert set(plan.cancel) == {stop, tp}
    assert plan.flat == (BTC,) and plan.place == ()


def test_a_flipped_position_cancels_the_old_sides_orders_and_gets_its_own_stop() -> None:
    old = record("s1", "95", side=Side.SELL)
    held = {BTC: Held(BTC, records=(old,))}
    plan = protect(inputs({BTC: short("1")}, {BTC: stop_plan("105")}, held), SETTINGS, NOW)
    assert plan.cancel == (old,)
    (placement,) = plan.place
    assert placement.record.side is Side.BUY and placement.replaces == ()


def test_a_verifying_pass_drops_what_the_venue_no_longer_has() -> None:
    stop = record("s1")
    held = {BTC: Held(BTC, records=(stop,))}
    plan = protect(inputs({BTC: long("1")}, {BTC: stop_plan("95")}, held, venue=()), SETTINGS, NOW)
    assert plan.gone == (stop,)
    # Gone (triggered, cancelled by hand): a new stop is placed, replacing nothing.
    (placement,) = plan.place
    assert placement.replaces == ()


def test_our_protective_order_without_a_record_is_cancelled_and_others_are_left() -> None:
    ours = protective_order_id("bot", BTC, 7)
    stray = venue_order(record(ours))
    foreign = venue_order(record("someone-else-1"))
    plan = protect(inputs({}, {}, {}, venue=(stray, foreign)), SETTINGS, NOW)
    assert plan.strays == (stray,)
    assert any("not the bot's" in f for f in plan.findings)


def test_take_profit_rungs_never_close_more_than_the_position() -> None:
    rungs = (
        TakeProfitRung(0, Decimal(110), Decimal("0.6")),
        TakeProfitRung(1, Decimal(120), Decimal("0.6")),
        TakeProfitRung(2, Decimal(130), Decimal("0.6")),
    )
    plan = protect(
        inputs({BTC: long("1")}, {BTC: ExitPlan(stop_price=None, take_profits=rungs)}),
        SETTINGS,
        NOW,
    )
    sizes = {p.record.rung: p.record.size for p in plan.place}
    assert sizes == {0: Decimal("0.6"), 1: Decimal("0.4")}


def test_a_rung_no_longer_asked_for_is_cancelled() -> None:
    tp = record("t1", "110", "0.5", rung=0, kind=ExitKind.TAKE_PROFIT)
    held = {BTC: Held(BTC, records=(tp,))}
    plan = protect(inputs({BTC: long("1")}, {BTC: ExitPlan(None)}, held), SETTINGS, NOW)
    assert plan.cancel == (tp,)


def test_time_exits_close_through_the_intent_path() -> None:
    plans = {BTC: ExitPlan(stop_price=Decimal(95), close_now=ExitKind.TIME)}
    plan = protect(inputs({BTC: long("1")}, plans), SETTINGS, NOW)
    assert plan.close == ((BTC, ExitKind.TIME),)
