"""A stop fills and the strategy enters the same side again before the next protection pass (a
cycle syncs the stop's fill, then decides, then protects): the new position is a new position. Its
stop counts from its own entry; the filled stop's price (now on the wrong side of the mark) is never
reused, which the venue would refuse every try and the failure policy would then close the new
position as unprotectable (seen in step-mode backtests of mean_reversion, regime and momentum)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.features.live_trade.exits.settings import ExitSettings
from bot_v2.features.live_trade.protection.planner import ExitsPlanner
from tests.integration.protection._world import World
from tests.unit.sim._support import SPEC, SYMBOL, H


def _run(drop_to: float, stop_pct: Decimal) -> tuple[World, Decimal]:
    # Flat at 1000, then a candle through the stop to `drop_to`, flat there after.
    prices = [1000.0] * 5 + [(1000.0, 1000.0, drop_to, drop_to)] + [drop_to] * 40
    exits = ExitsPlanner(ExitSettings(stop_loss_pct=stop_pct), {SYMBOL: SPEC})
    world = World(prices=prices, planner=exits, tries=3)
    mark = Decimal(repr(drop_to))

    async def run() -> None:
        await world.open_long("1")
        await world.service.run(world.clock.now_ms(), world.positions(), {SYMBOL: Decimal(1000)})
        assert len(world.venue_stops()) == 1
        world.clock.now += 6 * H  # the venue lives through the drop: the stop fills
        await world.book()
        assert world.venue_position() == 0
        # The same cycle enters long again before its protection pass.
        await world.open_long_again("1")
        await world.service.run(world.clock.now_ms(), world.positions(), {SYMBOL: mark})

    asyncio.run(run())
    return world, mark


def test_a_long_entered_again_after_its_stop_filled_gets_a_stop_from_its_own_entry() -> None:
    world, _ = _run(900.0, Decimal("0.04"))
    assert [a for a in world.service.stats.last_alerts] == []
    assert world.venue_position() == 1
    (stop,) = world.venue_stops()
    entry = world.ledger.positions[SYMBOL].entry_price
    assert stop.trigger_price == Decimal("864.0") == entry * Decimal("0.96")
    (exit_,) = [d for _, k, d in world.store.events if k == "exit"]
    assert exit_.startswith(f"stop_loss {SYMBOL}: stop_loss filled sell 1")


@settings(max_examples=25, deadline=None)
@given(
    drop=st.integers(min_value=500, max_value=940),
    pct=st.sampled_from([Decimal("0.01"), Decimal("0.03"), Decimal("0.05")]),
)
def test_the_new_positions_stop_is_below_its_mark_and_the_position_is_kept(
    drop: int, pct: Decimal
) -> None:
    world, mark = _run(float(drop), pct)
    assert world.service.stats.last_alerts == ()
    assert world.venue_position() == 1
    (stop,) = world.venue_stops()
    assert stop.trigger_price < mark
    assert world.service.keeper.held[SYMBOL].exit_state is not None
    assert (
        world.service.keeper.held[SYMBOL].exit_state.entry_price
        == world.ledger.positions[SYMBOL].entry_price
    )


def test_a_long_entered_again_after_its_last_rung_filled_gets_exits_from_its_own_entry() -> None:
    # One rung closing the whole position at +5%; the price rises through it to 1090 and stays.
    prices = [1000.0] * 5 + [(1000.0, 1100.0, 1000.0, 1090.0)] + [1090.0] * 40
    ladder = ExitSettings(
        take_profit_distances=(Decimal("0.05"),), take_profit_fractions=(Decimal(1),)
    )
    world = World(prices=prices, planner=ExitsPlanner(ladder, {SYMBOL: SPEC}), tries=3)

    async def run() -> None:
        await world.open_long("1")
        await world.service.run(world.clock.now_ms(), world.positions(), {SYMBOL: Decimal(1000)})
        world.clock.now += 6 * H  # the rung fills
        await world.book()
        assert world.venue_position() == 0
        await world.open_long_again("1")
        await world.service.run(world.clock.now_ms(), world.positions(), {SYMBOL: Decimal(1090)})

    asyncio.run(run())
    assert world.service.stats.last_alerts == ()
    held = world.service.keeper.held[SYMBOL]
    assert held.exit_state is not None and held.exit_state.rungs_filled == 0
    entry = world.ledger.positions[SYMBOL].entry_price
    orders = world.broker.exchange.conditional_orders([SYMBOL])
    assert sorted((o.type.value, o.trigger_price) for o in orders) == [
        ("stop_market", (entry * Decimal("0.96")).quantize(Decimal("0.1"), "ROUND_UP")),
        ("take_profit_market", entry * Decimal("1.05")),
    ]
