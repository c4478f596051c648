"""hypothesis: a replaced stop is never absent. A long position on the real sim exchange has its
stop; then the stop moves (trailing, break-even) and the position shrinks (a partial close), pass
after pass, while any venue call may fail: refused, unreachable, or done with its answer lost.
After every single venue call, some stop on the venue covers the whole position, or the position
is flat, or the bot is halted (reduce-only, with an alert)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.features.live_trade.protection import FailurePolicy
from tests.integration.protection._world import MODES, World

steps = st.lists(
    st.one_of(
        st.tuples(st.just("move"), st.integers(0, 40)),
        st.tuples(st.just("reduce"), st.sampled_from(("0.1", "0.25"))),
        st.tuples(st.just("verify"), st.just(0)),
    ),
    min_size=1,
    max_size=8,
)
faults = st.dictionaries(st.integers(0, 60), st.sampled_from(MODES), max_size=25)


async def scenario(world: World, plan: list[tuple[str, object]], injected: dict[int, str]) -> None:
    await world.open_long("1")
    await world.protect()
    # The first stop is placed without faults: from here on the invariant must hold, with the
    # faults counted from the next venue call.
    assert world.venue_stops(), world.venue.log
    world.armed = True
    world.venue.faults = {world.venue.calls + n: mode for n, mode in injected.items()}
    for kind, value in plan:
        if kind == "move":
            world.planner.stop_shift = Decimal(str(value))
        elif kind == "reduce" and world.venue_position() > 0:
            await world.reduce(str(value))
        await world.book()
        await world.protect(verify=kind == "verify")


@settings(max_examples=150, deadline=None)
@given(
    plan=steps,
    injected=faults,
    tries=st.integers(1, 3),
    policy=st.sampled_from(FailurePolicy),
)
def test_some_stop_covers_the_position_or_it_is_flat_or_the_bot_halted(
    plan: list[tuple[str, object]],
    injected: dict[int, str],
    tries: int,
    policy: FailurePolicy,
) -> None:
    world = World(tries=tries, policy=policy)
    asyncio.run(scenario(world, plan, injected))
    assert world.violations == [], (world.violations, world.venue.log)


def test_without_faults_the_stop_follows_and_exactly_one_is_left() -> None:
    world = World()

    async def run() -> None:
        await world.open_long("1")
        await world.protect()
        world.armed = True
        world.planner.stop_shift = Decimal(20)
        await world.protect()
        await world.reduce("0.25")
        await world.protect(verify=True)

    asyncio.run(run())
    assert world.violations == []
    (stop,) = world.venue_stops()
    assert (stop.size, stop.trigger_price) == (world.venue_position(), 970)
