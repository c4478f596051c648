"""RiskState: the pure transitions against a direct model, and a restart (store, forget, restore) at
any point changes nothing about where the state ends up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.errors import StateError
from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.domain.positions import Position
from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.performance import Drawdown
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.rules import daily_loss
from bot_v2.features.live_trade.risk.state import (
    DAY_MS,
    RiskState,
    clear,
    engage_kill_switch,
    hold_reduce_only,
    observe_day_loss,
    observe_equity,
    roll_day,
)
from bot_v2.features.live_trade.risk.state_keeper import (
    META_KEY,
    RiskStateKeeper,
    decode,
    encode,
    load_risk_state,
)
from bot_v2.orchestration.backtest.memory_store import MemoryStateStore

D = Decimal
LIMIT = D(50)

# One observation: (clock ms, equity at it). Clocks move forward over a few days.
steps = st.lists(
    st.tuples(st.integers(0, 6 * 3_600_000), st.decimals(900, 1100, places=2)),
    min_size=1,
    max_size=40,
)


def cycle(state: RiskState, now_ms: int, equity: Decimal) -> RiskState:
    """What the runtime does with one observation: roll the day, latch a loss, track drawdown."""
    state = roll_day(state, now_ms, equity)
    state = observe_day_loss(state, equity, LIMIT)
    return observe_equity(state, equity)


def run(state: RiskState, timeline: list[tuple[int, Decimal]]) -> RiskState:
    for now_ms, equity in timeline:
        state = cycle(state, now_ms, equity)
    return state


def timeline_of(raw: list[tuple[int, Decimal]]) -> list[tuple[int, Decimal]]:
    now, out = 0, []
    for gap, equity in raw:
        now += gap
        out.append((now, equity))
    return out


@given(steps)
def test_the_day_halts_exactly_when_its_loss_once_reached_the_limit(
    raw: list[tuple[int, Decimal]],
) -> None:
    timeline = timeline_of(raw)
    state = run(RiskState(), timeline)
    last_day = timeline[-1][0] // DAY_MS
    today = [e for t, e in timeline if t // DAY_MS == last_day]
    assert state.day == last_day
    assert state.day_start_equity == today[0]
    # The latch: a loss seen at any observation of the day halts it, recovery or not.
    assert bool(state.day_halt) == any(e - today[0] <= -LIMIT for e in today)
    values = [e for _, e in timeline]
    assert state.drawdown == run_drawdown(values)


def run_drawdown(values: list[Decimal]) -> Drawdown:
    d = Drawdown()
    for v in values:
        d = d.update(v)
    return d


@given(steps, st.data())
def test_a_restart_anywhere_ends_in_the_same_state(
    raw: list[tuple[int, Decimal]], data: st.DataObject
) -> None:
    timeline = timeline_of(raw)
    cut = data.draw(st.integers(0, len(timeline)))
    straight = run(RiskState(), timeline)
    store = MemoryStateStore()
    first = RiskStateKeeper(store)
    for now_ms, equity in timeline[:cut]:
        first.update(cycle(first.state, now_ms, equity))
    restarted = RiskStateKeeper(store)  # a new process: only the store is left
    assert restarted.state == first.state
    for now_ms, equity in timeline[cut:]:
        restarted.update(cycle(restarted.state, now_ms, equity))
    assert restarted.state == straight


@given(
    st.builds(
        RiskState,
        day=st.none() | st.integers(0, 10**6),
        day_start_equity=st.decimals(allow_nan=False, allow_infinity=False),
        day_halt=st.text(),
        drawdown=st.builds(
            Drawdown,
            peak=st.none() | st.decimals(allow_nan=False, allow_infinity=False),
            deepest=st.decimals(0, 10**9),
            max_drawdown=st.decimals(0, 1),
            max_drawdown_abs=st.decimals(0, 10**9),
        ),
        reduce_only=st.text(),
        kill_switch=st.text(),
        paused=st.text(),
    )
)
def test_the_stored_form_gives_back_the_same_state(state: RiskState) -> None:
    assert decode(encode(state)) == state


def test_transitions_that_change_nothing_return_the_same_object() -> None:
    state = cycle(RiskState(), 1000, D(1000))
    assert roll_day(state, 2000, D(1)) is state
    assert observe_day_loss(state, D(951), LIMIT) is state
    assert observe_equity(state, D(1000)) is state
    assert hold_reduce_only(state, "") is state
    held = hold_reduce_only(state, "venue ban")
    assert hold_reduce_only(held, "another") is held
    killed = engage_kill_switch(state, "operator")
    assert engage_kill_switch(killed, "again") is killed


def test_a_halt_holds_until_the_day_ends_and_a_new_day_starts_clean() -> None:
    state = cycle(RiskState(), 0, D(1000))
    halted = cycle(state, 3_600_000, D(950))
    assert halted.day_halt == "daily loss limit of 50 reached on 1970-01-01 (day PnL -50.00)"
    recovered = cycle(halted, 7_200_000, D(1200))
    assert recovered.day_halt == halted.day_halt
    tomorrow = cycle(recovered, DAY_MS, D(1190))
    assert tomorrow.day_halt == "" and tomorrow.day_start_equity == D(1190)


def test_clearing_forgets_the_day_and_only_the_switches_asked_for() -> None:
    state = hold_reduce_only(cycle(cycle(RiskState(), 0, D(1000)), 1, D(900)), "ban")
    state = engage_kill_switch(state, "operator")
    cleared = clear(state, day_halt=True)
    assert (cleared.day, cleared.day_halt) == (None, "")
    assert (cleared.reduce_only, cleared.kill_switch) == ("ban", "operator")
    assert cleared.drawdown == state.drawdown
    # The next cycle of the same day starts it again from the equity then.
    again = cycle(cleared, 2, D(900))
    assert (again.day_start_equity, again.day_halt) == (D(900), "")
    assert clear(state, reduce_only=True, kill_switch=True).blocked_reason == state.day_halt


def test_the_keeper_stores_a_change_before_handing_it_out() -> None:
    store = MemoryStateStore()
    keeper = RiskStateKeeper(store)
    assert keeper.state == RiskState() and store.get_meta(META_KEY) is None
    assert keeper.update(keeper.state) is False and store.get_meta(META_KEY) is None
    changed = hold_reduce_only(keeper.state, "venue ban")
    assert keeper.update(changed) is True
    assert load_risk_state(store) == changed == keeper.state


@pytest.mark.parametrize(
    "stored",
    [
        "not json",
        "[]",
        '{"day": 1}',
        encode(RiskState()).replace('"day_start_equity": "0"', '"day_start_equity": "NaN"'),
        encode(RiskState()).replace('"day_start_equity": "0"', '"day_start_equity": 1.5'),
        encode(RiskState()).replace('"day": null', '"day": "today"'),
    ],
)
def test_a_damaged_stored_state_is_refused_with_one_line(stored: str) -> None:
    store = MemoryStateStore()
    store.set_meta(META_KEY, stored)
    with pytest.raises(StateError, match=r"^state meta 'risk_state': unreadable \(") as caught:
        RiskStateKeeper(store)
    assert "\n" not in str(caught.value)


def test_a_halted_day_refuses_new_exposure_even_once_its_pnl_recovered() -> None:
    btc = "BTC/USDT:USDT"
    limits = RiskLimits(D(5), D(10**6), D(10**6), D(10**6), LIMIT)
    halted = RiskContext(
        equity=D(1000),
        positions={btc: Position(btc, D(1), D(100))},
        marks={btc: D(100)},
        day_pnl=D(10),  # back above water; the day stays halted
        kill_switch=False,
        reduce_only=False,
        day_halt="daily loss limit of 50 reached on 2024-01-03 (day PnL -50.00)",
    )

    def request(side: Side, size: str) -> OrderRequest:
        return OrderRequest("t-1", btc, side, OrderType.MARKET, D(size))

    refused = daily_loss.check(request(Side.BUY, "1"), halted, limits)
    assert not refused.approved and "reached on 2024-01-03" in refused.reason
    assert not daily_loss.check(request(Side.SELL, "2"), halted, limits).approved  # a flip
    assert daily_loss.check(request(Side.SELL, "1"), halted, limits).approved  # a close
