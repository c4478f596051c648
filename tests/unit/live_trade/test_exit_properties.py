"""Properties of plan_exits over any walk of prices, ATRs and reductions, for both sides: the stop
only moves in the position's favour and sits on the tick; break-even once armed stays armed and
keeps the stop at entry plus fees; the rungs left never close more than the position; a bot-side
exit fires at most once."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.plan import open_exit_state, plan_exits
from bot_v2.features.live_trade.exits.prices import PricesSeen
from bot_v2.features.live_trade.exits.settings import ExitSettings, StopMode
from bot_v2.features.live_trade.exits.values import ExitKind, ExitPlan, ExitState

from ._exit_support import BTC, HOUR_MS, MARKET

D = Decimal
modes = st.sampled_from(list(StopMode))
pcts = st.decimals(min_value=D("0.001"), max_value=D("0.3"), places=3)


@st.composite
def exit_settings(draw: st.DrawFn) -> ExitSettings:
    rungs = draw(st.integers(min_value=0, max_value=5))
    distances = sorted(draw(st.sets(pcts, min_size=rungs, max_size=rungs)))
    fractions = [
        draw(st.decimals(min_value=D("0.01"), max_value=D(1), places=2)) for _ in distances
    ]
    while sum(fractions, D(0)) > 1:
        fractions = [f / 2 for f in fractions]
    if fractions and draw(st.booleans()):
        fractions[-1] = 1 - sum(fractions[:-1], D(0))  # a ladder that ends flat
    return ExitSettings(
        stop_loss=draw(modes),
        stop_loss_pct=draw(pcts),
        stop_loss_atr=draw(st.decimals(min_value=D("0.1"), max_value=D(10), places=1)),
        take_profit_distances=tuple(distances),
        take_profit_fractions=tuple(fractions),
        trailing=draw(modes),
        trailing_pct=draw(pcts),
        trailing_atr=draw(st.decimals(min_value=D("0.1"), max_value=D(10), places=1)),
        trailing_activation_pct=draw(st.sampled_from([D(0), D("0.01"), D("0.05")])),
        break_even_after_pct=draw(st.sampled_from([D(0), D("0.005"), D("0.02")])),
        break_even_fee_pct=D("0.001"),
        max_holding_s=draw(st.sampled_from([D(0), D(3600), D(10 * 3600)])),
        flatten_at_utc=draw(st.sampled_from(["", "00:00", "13:45"])),
    )


# One step: a move of the price (relative to the last one) with an ATR, and a reduction of the
# position by a number of steps (0: none), as rungs, partial rung fills or a manual close would.
moves = st.tuples(
    st.decimals(min_value=D("0.9"), max_value=D("1.1"), places=4),
    st.decimals(min_value=D(0), max_value=D("0.02"), places=4),
    st.one_of(st.none(), st.decimals(min_value=D("0.01"), max_value=D(20), places=2)),
    st.integers(min_value=0, max_value=300),
)


def walk(
    exits: ExitSettings,
    side: Side,
    size: Decimal,
    entry: Decimal,
    steps: list[tuple[Decimal, Decimal, Decimal | None, int]],
) -> list[tuple[ExitState, ExitPlan, Position]]:
    position = Position(BTC, size * side.sign, entry)
    state = open_exit_state(exits, position, MARKET, steps[0][2] if steps else None, 0)
    out: list[tuple[ExitState, ExitPlan, Position]] = [
        (state, ExitPlan(state.stop_price, state.stop_kind), position)
    ]
    price = entry
    for index, (ratio, spread, atr, gone) in enumerate(steps):
        price = (price * ratio).quantize(D("0.1"))
        left = abs(position.size) - gone * MARKET.step_size
        if left >= MARKET.min_size:
            position = Position(BTC, left * side.sign, entry)
        seen = PricesSeen(price * (1 + spread), price * (1 - spread))
        state, plan = plan_exits(exits, state, position, MARKET, seen, atr, (index + 1) * HOUR_MS)
        out.append((state, plan, position))
    return out


sides = st.sampled_from([Side.BUY, Side.SELL])
sizes = st.integers(min_value=1, max_value=5000).map(lambda n: n * MARKET.step_size)
entries = st.decimals(min_value=D(10), max_value=D(100000), places=1)


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(exit_settings(), sides, sizes, entries, st.lists(moves, max_size=40))
def test_the_stop_only_moves_in_the_positions_favour_and_sits_on_the_tick(
    exits: ExitSettings, side: Side, size: Decimal, entry: Decimal, steps: list
) -> None:
    previous: Decimal | None = None
    for state, plan, _ in walk(exits, side, size, entry, steps):
        assert plan.stop_price == state.stop_price
        if plan.stop_price is None:
            assert previous is None
            continue
        assert plan.stop_price % MARKET.tick_size == 0
        if previous is not None:
            assert plan.stop_price * side.sign >= previous * side.sign
        previous = plan.stop_price


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(exit_settings(), sides, sizes, entries, st.lists(moves, max_size=40))
def test_the_first_stop_is_never_farther_from_entry_than_configured(
    exits: ExitSettings, side: Side, size: Decimal, entry: Decimal, steps: list
) -> None:
    state, _, _ = walk(exits, side, size, entry, steps)[0]
    farthest = max(
        (
            pct
            for mode, pct in (
                (exits.stop_loss, exits.stop_loss_pct),
                (exits.trailing, exits.trailing_pct),
            )
            if mode is not StopMode.OFF
        ),
        default=None,
    )
    if state.stop_price is not None:
        assert farthest is not None
        assert (entry - state.stop_price) * side.sign <= entry * farthest


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(exit_settings(), sides, sizes, entries, st.lists(moves, max_size=40))
def test_break_even_once_armed_stays_and_keeps_the_stop_at_entry_plus_fees(
    exits: ExitSettings, side: Side, size: Decimal, entry: Decimal, steps: list
) -> None:
    armed = False
    floor = entry * (1 + exits.break_even_fee_pct * side.sign)
    for state, plan, _ in walk(exits, side, size, entry, steps):
        assert state.break_even_armed or not armed
        armed = state.break_even_armed
        if armed:
            assert plan.stop_price is not None
            assert plan.stop_price * side.sign >= floor * side.sign
        if plan.stop_kind is ExitKind.BREAK_EVEN:
            assert armed


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(exit_settings(), sides, sizes, entries, st.lists(moves, max_size=40))
def test_the_rungs_left_never_close_more_than_the_position(
    exits: ExitSettings, side: Side, size: Decimal, entry: Decimal, steps: list
) -> None:
    for state, plan, position in walk(exits, side, size, entry, steps):
        rungs = plan.take_profits
        assert sum((r.size for r in rungs), D(0)) <= abs(position.size)
        assert all(r.size >= MARKET.min_size and r.size % MARKET.step_size == 0 for r in rungs)
        assert [r.index for r in rungs] == sorted({r.index for r in rungs})
        assert all(r.index >= state.rungs_filled for r in rungs)
        # Each rung is on the profit side of the entry, on the tick.
        assert all((r.price - entry) * side.sign > 0 or r.price == entry for r in rungs)
        assert all(r.price % MARKET.tick_size == 0 for r in rungs)


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(exit_settings(), sides, sizes, entries, st.lists(moves, max_size=40))
def test_a_bot_side_exit_fires_at_most_once_per_position(
    exits: ExitSettings, side: Side, size: Decimal, entry: Decimal, steps: list
) -> None:
    fired = [
        plan.close_now for _, plan, _ in walk(exits, side, size, entry, steps) if plan.close_now
    ]
    assert len(fired) <= 1
    assert all(kind in (ExitKind.TIME, ExitKind.END_OF_DAY) for kind in fired)
    # 40 hours of walk: an exit that is configured has fired once its instant passed.
    if len(steps) >= 25 and (exits.max_holding_s or exits.flatten_at_utc):
        assert len(fired) == 1
