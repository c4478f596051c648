"""Portfolio protections, one at a time: the drawdown halt, the circuit breaker, the stop-out
cooldown, the liquidation distance and the funding guard. Each test drives the pure transitions
and the rule that relies on them, as the cycle does."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.domain.positions import Position
from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.performance import Drawdown
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.guard import ProtectionGuard
from bot_v2.features.live_trade.risk.pre_trade import PreTradeRisk
from bot_v2.features.live_trade.risk.protections import Protections, TradeClose, is_stop_out
from bot_v2.features.live_trade.risk.state import RiskState, clear

D = Decimal
BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
HOUR = 3_600_000
LIMITS = RiskLimits(D(10), D(10**9), D(10**9), D(10**9), D(10**9))
P = Protections(
    max_drawdown_pct=D("0.2"),
    breaker_losses=3,
    breaker_incidents=3,
    breaker_window_ms=HOUR,
    breaker_cooldown_ms=2 * HOUR,
    stopout_cooldown_ms=HOUR,
    liquidation_min_pct=D("0.1"),
    liquidation_min_atr=D(3),
    liquidation_reduce_pct=D("0.05"),
    funding_max_bps=D(5),
)
GUARD = ProtectionGuard(P)


def order(side: Side = Side.BUY, size: str = "1", symbol: str = BTC) -> OrderRequest:
    return OrderRequest("c1", symbol, side, OrderType.MARKET, D(size))


def context(state: RiskState, now_ms: int, **changes: object) -> RiskContext:
    """The context RiskContextSource builds from a stored state at `now_ms`."""
    b = state.guards.breaker
    ctx = RiskContext(
        equity=D(1000),
        positions={},
        marks={BTC: D(100), ETH: D(10)},
        day_pnl=D(0),
        kill_switch=False,
        reduce_only=False,
        protections=P,
        drawdown_halt=state.guards.halt,
        entry_pause=b.reason if b.paused(now_ms) else "",
        cooldowns=state.guards.cooling(now_ms),
    )
    return attrs.evolve(ctx, **changes)


def verdict(request: OrderRequest, ctx: RiskContext) -> str:
    v = PreTradeRisk(LIMITS).check(request, ctx)
    return "ok" if v.approved else v.reason


def loss(at_ms: int, symbol: str = BTC, kind: str | None = None, net: str = "-5") -> TradeClose:
    return TradeClose(symbol, at_ms, D(net), exit_kind=kind)


# -- drawdown halt ---------------------------------------------------------------------------------
def test_the_drawdown_halt_trips_at_the_limit_and_flattens_every_position() -> None:
    state = RiskState(drawdown=Drawdown(peak=D(1000)))
    assert GUARD.step(state, now_ms=0, equity=D(801)) is state  # 19.9%: nothing
    halted = GUARD.step(state, now_ms=0, equity=D(800))
    assert "drawdown 20.00%" in halted.guards.halt
    positions = {BTC: Position(BTC, D("0.5"), D(100)), ETH: Position(ETH, D(-3), D(10))}
    cuts = GUARD.reductions(halted, positions, {BTC: D(90), ETH: D(11)}, D(800))
    assert {(r.symbol, r.side, r.size, r.kind) for r in cuts} == {
        (BTC, Side.SELL, D("0.5"), "drawdown_halt"),
        (ETH, Side.BUY, D(3), "drawdown_halt"),
    }
    # Equity recovering does not lift it; only a person does.
    assert GUARD.step(halted, now_ms=1, equity=D(2000)).guards.halt == halted.guards.halt


def test_while_halted_only_reducing_orders_pass_and_clearing_resumes_from_a_fresh_peak() -> None:
    halted = GUARD.step(RiskState(drawdown=Drawdown(peak=D(1000))), now_ms=0, equity=D(700))
    ctx = context(halted, 0, positions={BTC: Position(BTC, D(1), D(100))})
    assert verdict(order(Side.BUY), ctx).startswith("drawdown_halt: drawdown 30.00%")
    assert verdict(order(Side.SELL), ctx) == "ok"
    assert halted.blocked_reason == halted.guards.halt  # what /health's reduce_only_reason shows
    resumed = clear(halted, drawdown_halt=True)
    assert resumed.guards.halt == "" and resumed.drawdown.peak is None
    assert resumed.drawdown.max_drawdown == halted.drawdown.max_drawdown
    # The next cycle's equity is the new peak: no instant re-halt.
    assert GUARD.step(resumed, now_ms=1, equity=D(700)).guards.halt == ""


def test_a_zero_limit_never_halts() -> None:
    off = ProtectionGuard(attrs.evolve(P, max_drawdown_pct=D(0)))
    state = RiskState(drawdown=Drawdown(peak=D(1000)))
    assert off.step(state, now_ms=0, equity=D(1)).guards.halt == ""


# -- circuit breaker -------------------------------------------------------------------------------
def test_losing_trades_in_a_row_trip_the_breaker_and_a_win_resets_the_count() -> None:
    state = RiskState()
    state = GUARD.step(state, now_ms=10, equity=D(1000), closes=[loss(1), loss(2)])
    state = GUARD.step(state, now_ms=11, equity=D(1000), closes=[loss(3, net="4")])
    assert state.guards.breaker.losses_in_a_row == 0
    state = GUARD.step(state, now_ms=12, equity=D(1000), closes=[loss(4), loss(5)])
    assert not state.guards.breaker.paused(12)
    state = GUARD.step(state, now_ms=13, equity=D(1000), closes=[loss(6)])
    assert state.guards.breaker.paused_until_ms == 6 + 2 * HOUR
    assert "3 losing trades in a row" in verdict(order(), context(state, 13))
    # Closing still passes; the pause ends by itself.
    held = context(state, 13, positions={BTC: Position(BTC, D(1), D(100))})
    assert verdict(order(Side.SELL), held) == "ok"
    later = GUARD.step(state, now_ms=6 + 2 * HOUR, equity=D(1000))
    assert later.guards.breaker.paused_until_ms == 0
    assert later.guards.breaker.losses_in_a_row == 0
    assert verdict(order(), context(later, 6 + 2 * HOUR)) == "ok"


def test_incidents_trip_the_breaker_only_within_the_window() -> None:
    state = RiskState()
    for at in (0, HOUR, 2 * HOUR):  # never three within an hour
        state = GUARD.step(state, now_ms=at, equity=D(1000), incidents=["risk: x"])
    assert not state.guards.breaker.paused(2 * HOUR)
    state = GUARD.step(state, now_ms=2 * HOUR + 5, equity=D(1000), incidents=["broker: y"] * 2)
    assert state.guards.breaker.paused(2 * HOUR + 5)
    assert "3 venue errors or risk rejections within 3600s" in state.guards.breaker.reason


# -- stop-out cooldown -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("close", "stopped"),
    [
        (TradeClose(BTC, 1, D(5), exit_kind="stop_loss"), True),
        (TradeClose(BTC, 1, D(-5), exit_kind="trailing"), True),
        (TradeClose(BTC, 1, D(0), exit_kind="break_even"), True),
        (TradeClose(BTC, 1, D(-5), exit_kind="take_profit"), False),
        (TradeClose(BTC, 1, D(-5), exit_kind="signal"), False),
        (TradeClose(BTC, 1, D(-5)), True),  # no exit kind yet: a losing reduce-only close
        (TradeClose(BTC, 1, D(5)), False),
        (TradeClose(BTC, 1, D(-5), reduce_only=False), False),
    ],
)
def test_what_counts_as_a_stop_out(close: TradeClose, stopped: bool) -> None:
    assert is_stop_out(close) is stopped


def test_a_stop_out_cools_its_symbol_down_and_only_that_symbol() -> None:
    state = GUARD.step(RiskState(), now_ms=100, equity=D(1000), closes=[loss(100)])
    ctx = context(state, 100)
    assert verdict(order(), ctx).startswith(f"symbol_cooldown: {BTC} is cooling down")
    assert verdict(order(symbol=ETH), ctx) == "ok"
    assert verdict(order(), context(state, 100 + HOUR)) == "ok"
    assert GUARD.step(state, now_ms=100 + HOUR, equity=D(1000)).guards.cooldowns == ()


def test_a_trade_already_fed_is_not_counted_again() -> None:
    once = GUARD.step(RiskState(), now_ms=10, equity=D(1000), closes=[loss(5)])
    from bot_v2.features.live_trade.risk.guard import closes_of

    assert once.guards.trades_seen_ms == 5
    assert closes_of([], once.guards.trades_seen_ms) == []


# -- liquidation distance --------------------------------------------------------------------------
def test_no_entry_whose_liquidation_would_be_too_close() -> None:
    ctx = context(RiskState(), 0, equity=D(100))
    # equity 100: 9 BTC at 100 is 900 notional, liquidation 100/900 - 0.005 = 10.6% away: ok.
    assert verdict(order(size="9"), ctx) == "ok"
    # 10 BTC: 100/1000 - 0.005 = 9.5%, closer than 10%.
    assert "liquidation would be 9.50% away" in verdict(order(size="10"), ctx)
    # With an ATR of 4, 9 BTC leaves 10.6 / 4 = 2.6 ATR: closer than 3.
    assert "ATR away" in verdict(order(size="9"), attrs.evolve(ctx, atr={BTC: D(4)}))


def test_a_position_near_its_liquidation_is_reduced_by_the_configured_share() -> None:
    positions = {BTC: Position(BTC, D(20), D(100))}
    # 2000 notional: equity 110 leaves 110/2000 - 0.005 = 5.0%, equity 100 4.5%.
    far = GUARD.reductions(RiskState(), positions, {BTC: D(100)}, D(110))
    assert far == []
    near = GUARD.reductions(RiskState(), positions, {BTC: D(100)}, D(100))
    assert [(r.symbol, r.side, r.size, r.kind) for r in near] == [
        (BTC, Side.SELL, D(10), "liquidation_distance")
    ]


# -- funding guard ---------------------------------------------------------------------------------
def test_no_entry_when_the_next_funding_goes_against_it_by_more_than_the_limit() -> None:
    ctx = context(RiskState(), 0, funding_rates={BTC: D("0.0006")})  # 6 bps, longs pay
    assert "funding_guard: next funding costs a buy 6.00 bps" in verdict(order(Side.BUY), ctx)
    assert verdict(order(Side.SELL), ctx) == "ok"  # a short receives it
    assert verdict(order(Side.BUY, symbol=ETH), ctx) == "ok"  # rate unknown
    ok = attrs.evolve(ctx, funding_rates={BTC: D("0.0005")})
    assert verdict(order(Side.BUY), ok) == "ok"
