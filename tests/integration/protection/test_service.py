"""ProtectionService on the real sim exchange: a stop that fills is booked like any fill and named
from its ownership record; a restart trusts its stored records and asks the venue, placing nothing
twice; orphans are cancelled; a stop the venue keeps refusing ends in the configured policy with an
alert in the journal, /health and the error count."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from bot_v2.domain.orders import OrderType
from bot_v2.features.live_trade.exits.settings import ExitSettings
from bot_v2.features.live_trade.protection import FailurePolicy, ProtectionService
from bot_v2.features.live_trade.protection.planner import ExitsPlanner
from bot_v2.orchestration.backtest.memory_store import MemoryStateStore
from bot_v2.orchestration.backtest.quiet import QuietMonitor
from tests.integration.protection._world import World
from tests.unit.protection._support import PercentStop
from tests.unit.sim._support import SPEC, SYMBOL, H

# Flat at 1000, then a candle that falls to 900 (through a 5% stop at 950).
DROP = [1000.0] * 5 + [(1000.0, 1000.0, 900.0, 910.0)] + [910.0] * 40


def events(world: World, kind: str) -> list[str]:
    return [d for _, k, d in world.store.events if k == kind]


def test_a_stop_that_fills_is_booked_and_named_from_its_record() -> None:
    world = World(prices=DROP)

    async def run() -> None:
        await world.open_long("1")
        await world.protect()
        (stop,) = world.venue_stops()
        world.clock.now += 6 * H  # the venue lives through the drop
        await world.book()
        assert world.venue_position() == 0
        await world.protect()
        assert events(world, "exit") == [
            f"stop_loss {SYMBOL}: stop_loss filled sell 1 at "
            f"{world.store.load_fills()[-1].price:f} ({stop.client_order_id})"
        ]

    asyncio.run(run())
    assert world.service.stats.exits == {"stop_loss": 1}
    assert world.service.keeper.held == {}
    assert world.ledger.positions.get(SYMBOL) is None


def test_a_restart_trusts_its_records_and_places_nothing_twice() -> None:
    world = World()

    async def run() -> None:
        await world.open_long("1")
        await world.protect()
        # A new process: a new service over the same store and venue.
        again = ProtectionService(
            world.venue,  # type: ignore[arg-type]
            world.store,
            {SYMBOL: world.broker.exchange.spec(SYMBOL)},
            world.service.settings,
            planner=PercentStop("0.05"),
        )
        await again.run(world.clock.now_ms(), world.positions(), {}, verify=True)
        assert again.last is not None and again.last.plan.changes == 0

    asyncio.run(run())
    assert len(world.venue_stops()) == 1


def test_the_orphan_of_a_position_closed_by_hand_is_cancelled() -> None:
    world = World()

    async def run() -> None:
        await world.open_long("1")
        await world.protect()
        await world.reduce("1")  # closed outside protection
        await world.protect(verify=True)

    asyncio.run(run())
    assert world.venue_stops() == []
    assert world.service.keeper.held == {}


def test_a_lost_answer_is_confirmed_on_the_venue_not_placed_again() -> None:
    world = World(faults={0: "lost"})

    async def run() -> None:
        await world.open_long("1")
        # No fault here: the faults dict counts calls, and call 0 is this pass's placement.
        await world.protect()
        assert world.service.verify_next
        await world.protect()

    asyncio.run(run())
    (stop,) = world.venue_stops()
    (record,) = world.service.keeper.held[SYMBOL].records
    assert record.client_order_id == stop.client_order_id
    assert record.status.value == "placed"


def test_a_stop_the_venue_keeps_refusing_holds_the_bot_reduce_only_with_an_alert() -> None:
    monitor = QuietMonitor()
    refused = {n: "refused" for n in range(3)}
    world = World(tries=3, policy=FailurePolicy.REDUCE_ONLY, faults=refused, monitor=monitor)

    async def run() -> None:
        await world.open_long("1")
        await world.protect()

    asyncio.run(run())
    assert world.venue_stops() == []
    assert world.risk.state.reduce_only.startswith("protection: ")
    (alert,) = events(world, "protection_alert")
    assert "no stop on the venue after 3 tries" in alert and "reduce-only" in alert
    assert monitor.errors == {"protection": 1}
    assert monitor.details["protection"]["unprotected"] == [SYMBOL]
    assert world.service.keeper.held[SYMBOL].failures == 3


def test_with_the_close_policy_the_bot_closes_an_unprotectable_position() -> None:
    world = World(tries=2, policy=FailurePolicy.CLOSE, faults={0: "refused", 1: "refused"})

    async def run() -> None:
        await world.open_long("1")
        await world.protect()

    asyncio.run(run())
    assert world.venue_position() == 0
    assert not world.risk.state.reduce_only
    assert events(world, "exit") == [f"stop_loss {SYMBOL}: closed by the bot"]


def test_a_take_profit_rung_fills_and_the_stop_shrinks_to_what_is_left() -> None:
    rise = [1000.0] * 5 + [(1000.0, 1120.0, 1000.0, 1100.0)] + [1100.0] * 40
    world = World(prices=rise)
    world.planner.rungs = ((Decimal("0.1"), Decimal("0.4")),)

    async def run() -> None:
        await world.open_long("1")
        await world.protect()
        kinds = sorted(o.type.value for o in world.broker.exchange.conditional_orders([SYMBOL]))
        assert kinds == ["stop_market", "take_profit_market"]
        world.clock.now += 6 * H
        await world.book()
        await world.protect()

    asyncio.run(run())
    assert world.venue_position() == Decimal("0.6")
    (stop,) = world.venue_stops()
    assert stop.size == Decimal("0.6") and stop.type is OrderType.STOP_MARKET
    assert world.service.stats.exits == {"take_profit": 1}


def test_a_store_restored_from_an_older_backup_never_reuses_a_protective_id() -> None:
    world = World()

    async def run() -> list[str]:
        await world.open_long("1")
        await world.protect()
        await world.reduce("1")
        await world.protect()  # the orphan p0 is cancelled: the venue still knows its id
        await world.open_long_again()
        await world.protect()  # p1, open
        # An older backup: nothing of protection stored.
        restored = ProtectionService(
            world.broker,
            MemoryStateStore(),
            {SYMBOL: world.broker.exchange.spec(SYMBOL)},
            world.service.settings,
            planner=PercentStop("0.04"),
            lookup=world.broker.fetch_order,
        )
        await restored.run(world.clock.now_ms(), world.positions(), {}, verify=True)
        # No id the venue knows was sent again (the sim refuses a duplicate client id).
        assert restored.stats.failed == 0
        return sorted(o.client_order_id for o in world.broker.exchange.conditional_orders([SYMBOL]))

    ids = asyncio.run(run())
    # p1 had no record, so it was cancelled as a stray; the new stop is p2, past both known ids.
    assert ids == ["bot-BTCUSDT-p2"]


def test_a_time_exit_closes_through_the_intent_path_once() -> None:
    # The real exits: a 4% stop, held at most an hour.
    exits = ExitsPlanner(ExitSettings(max_holding_s=Decimal(3600)), {SYMBOL: SPEC})
    world = World(planner=exits)

    async def run() -> None:
        await world.open_long("1")
        await world.protect()
        assert len(world.venue_stops()) == 1
        world.clock.now += 2 * H
        await world.book()
        await world.protect()
        await world.book()
        await world.protect()

    asyncio.run(run())
    assert world.venue_position() == 0
    assert events(world, "exit") == [f"time {SYMBOL}: closed by the bot"]
    (close,) = events(world, "exit_close")
    assert close.startswith(f"time {SYMBOL}: sell 1: sent as bot-")
    # The orphaned stop went with the position.
    assert world.venue_stops() == []
