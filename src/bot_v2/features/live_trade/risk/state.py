"""The risk state a restart must not forget, as one frozen value, and its pure transitions.

Each transition returns the same object when nothing changed, so the runtime stores the value
(risk/state_keeper.py) exactly when a transition moved it, before anything relies on it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs

from bot_v2.domain.money import ZERO
from bot_v2.features.live_trade.performance import Drawdown
from bot_v2.features.live_trade.risk.protections import GuardState, clear_guards

DAY_MS = 86_400_000


@attrs.frozen
class RiskState:
    # The UTC day (days since the epoch) the day's figures belong to; None before the first cycle.
    day: int | None = None
    # Equity at the first cycle of `day`: the daily loss limit measures from it.
    day_start_equity: Decimal = ZERO
    # Why opening orders are refused until `day` ends; empty while the day is within its limit.
    day_halt: str = ""
    drawdown: Drawdown = attrs.field(factory=Drawdown)
    # Set at run time with their reasons (not from config, which is read again at every start);
    # they hold across restarts until an operator clears them.
    reduce_only: str = ""
    kill_switch: str = ""
    # Entries paused by an operator (the console or `perps-bot ctl pause`): like reduce-only, kept
    # apart so lifting one does not lift the other.
    paused: str = ""
    # The portfolio protections' memory: drawdown halt, circuit breaker, stop-out cooldowns.
    guards: GuardState = attrs.field(factory=GuardState)

    def day_pnl(self, equity: Decimal) -> Decimal:
        return equity - self.day_start_equity

    @property
    def blocked_reason(self) -> str:
        """Why new exposure is blocked by this state, or empty."""
        return (
            self.kill_switch or self.guards.halt or self.reduce_only or self.paused or self.day_halt
        )

    def drawdown_now(self, equity: Decimal) -> Decimal:
        """How far `equity` is below the stored peak, as a fraction of it (0 at or above it)."""
        peak = self.drawdown.peak
        if peak is None or peak <= 0 or equity >= peak:
            return ZERO
        return min((peak - equity) / peak, Decimal(1))


def day_of(now_ms: int) -> int:
    return now_ms // DAY_MS


def roll_day(state: RiskState, now_ms: int, equity: Decimal) -> RiskState:
    """A new UTC day starts from the equity it opens with, and without a halt. Any other day than
    the stored one is new (a clock set back is not the stored day either)."""
    day = day_of(now_ms)
    if day == state.day:
        return state
    return attrs.evolve(state, day=day, day_start_equity=equity, day_halt="")


def observe_day_loss(state: RiskState, equity: Decimal, limit: Decimal) -> RiskState:
    """Once the day's PnL reaches -limit, the day is halted for good: only reducing orders pass
    until the UTC day ends, whatever equity does after (and whatever restarts happen)."""
    if state.day_halt or state.day is None:
        return state
    pnl = state.day_pnl(equity)
    if pnl > -limit:
        return state
    date = datetime.fromtimestamp(state.day * DAY_MS / 1000, UTC).date().isoformat()
    reason = f"daily loss limit of {limit} reached on {date} (day PnL {pnl:.2f})"
    return attrs.evolve(state, day_halt=reason)


def observe_equity(state: RiskState, equity: Decimal) -> RiskState:
    drawdown = state.drawdown.update(equity)
    if drawdown is state.drawdown:
        return state
    return attrs.evolve(state, drawdown=drawdown)


def hold_reduce_only(state: RiskState, reason: str) -> RiskState:
    """The first reason holds (like PerpsBot.enter_reduce_only)."""
    if state.reduce_only or not reason:
        return state
    return attrs.evolve(state, reduce_only=reason)


def engage_kill_switch(state: RiskState, reason: str) -> RiskState:
    if state.kill_switch or not reason:
        return state
    return attrs.evolve(state, kill_switch=reason)


def pause(state: RiskState, reason: str) -> RiskState:
    if state.paused or not reason:
        return state
    return attrs.evolve(state, paused=reason)


def clear(
    state: RiskState,
    *,
    day_halt: bool = False,
    reduce_only: bool = False,
    kill_switch: bool = False,
    paused: bool = False,
    drawdown_halt: bool = False,
    breaker: bool = False,
    cooldowns: bool = False,
) -> RiskState:
    """What an operator lifts by hand. Clearing the day's halt forgets the day: the next cycle
    starts it again from the equity it then has (kept, the old start would halt it again at the
    next decision). Clearing the drawdown halt likewise forgets the peak (the maxima are kept)."""
    cleared = state
    if day_halt and (state.day_halt or state.day is not None):
        cleared = attrs.evolve(cleared, day=None, day_start_equity=ZERO, day_halt="")
    if reduce_only and state.reduce_only:
        cleared = attrs.evolve(cleared, reduce_only="")
    if kill_switch and state.kill_switch:
        cleared = attrs.evolve(cleared, kill_switch="")
    if paused and state.paused:
        cleared = attrs.evolve(cleared, paused="")
    guards = clear_guards(
        state.guards, drawdown_halt=drawdown_halt, breaker=breaker, cooldowns=cooldowns
    )
    if guards is not state.guards:
        cleared = attrs.evolve(cleared, guards=guards)
    if drawdown_halt and state.guards.halt and state.drawdown.peak is not None:
        # Resumed by a person: the peak starts again from the equity the next cycle sees, or the
        # old peak would halt the bot again at once.
        cleared = attrs.evolve(
            cleared, drawdown=attrs.evolve(state.drawdown, peak=None, deepest=ZERO)
        )
    return cleared
