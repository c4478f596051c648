"""Portfolio protections as settings and as stored state, with their pure transitions.

`Protections` is the runtime value of the `[protections]` config section (every protection off at
its zero); `GuardState` is what of them a restart must not forget (the drawdown halt, the circuit
breaker's counts and pause, the symbols cooling down after a stop-out). It is part of `RiskState`,
so `RiskStateKeeper` stores it whenever it changes, before a decision relies on it. Each transition
returns the same object when nothing changed (the keeper stores exactly when something did)."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.domain.money import ZERO


@attrs.frozen
class Protections:
    # Halt (flatten, then only a person resumes) once equity is this fraction below its peak.
    max_drawdown_pct: Decimal = ZERO
    # Pause new entries for breaker_cooldown_ms after this many losing trades in a row, or after
    # this many venue errors / risk rejections within breaker_window_ms.
    breaker_losses: int = 0
    breaker_incidents: int = 0
    breaker_window_ms: int = 3_600_000
    breaker_cooldown_ms: int = 3_600_000
    # No new entry on a symbol for this long after a stop-out on it.
    stopout_cooldown_ms: int = 0
    # No entry whose estimated liquidation price is closer than this many ATRs / this fraction of
    # the price; a position whose mark is within liquidation_reduce_pct of it is reduced by
    # liquidation_reduce_fraction.
    liquidation_min_atr: Decimal = ZERO
    liquidation_min_pct: Decimal = ZERO
    liquidation_reduce_pct: Decimal = ZERO
    liquidation_reduce_fraction: Decimal = Decimal("0.5")
    maintenance_margin_rate: Decimal = Decimal("0.005")
    # No entry when the next funding payment against it exceeds this many basis points (0: off).
    funding_max_bps: Decimal = ZERO


@attrs.frozen
class Breaker:
    losses_in_a_row: int = 0
    # When each venue error or risk rejection of the current window happened (ms), oldest first.
    incidents: tuple[int, ...] = ()
    # New entries are paused until this instant (ms); 0 when not paused.
    paused_until_ms: int = 0
    reason: str = ""

    def paused(self, now_ms: int) -> bool:
        return now_ms < self.paused_until_ms


@attrs.frozen
class Cooldown:
    symbol: str
    until_ms: int
    reason: str


@attrs.frozen
class GuardState:
    # Why the bot halted on its drawdown; empty while it has not. Only `perps-bot risk clear
    # --drawdown-halt` lifts it.
    halt: str = ""
    breaker: Breaker = attrs.field(factory=Breaker)
    cooldowns: tuple[Cooldown, ...] = ()
    # The close time of the newest closed trade already fed to the breaker and the cooldowns: a
    # restart rebuilds the ledger's trades from the store and must not count them twice.
    trades_seen_ms: int = 0

    def cooling(self, now_ms: int) -> dict[str, str]:
        return {c.symbol: c.reason for c in self.cooldowns if now_ms < c.until_ms}


@attrs.frozen
class TradeClose:
    """What the cycle feeds the guards when a position (or part of one) is closed.

    `exit_kind` is the ExitKind value of the exit that closed it when known ("stop_loss",
    "trailing", "break_even" ... from exits/values.py), None when not; `reduce_only` tells a close
    the bot or the venue made on purpose from a flip."""

    symbol: str
    at_ms: int
    net_pnl: Decimal
    exit_kind: str | None = None
    reduce_only: bool = True


STOP_KINDS = frozenset({"stop_loss", "trailing", "break_even"})


def is_stop_out(close: TradeClose) -> bool:
    """A close by a protective stop; until every close names its exit kind, a reduce-only close
    with a loss counts as one."""
    if close.exit_kind is not None:
        return close.exit_kind in STOP_KINDS
    return close.reduce_only and close.net_pnl < 0


def observe_drawdown(guards: GuardState, fraction: Decimal, p: Protections) -> GuardState:
    """Latch the halt once the drawdown from the peak reaches the limit."""
    if guards.halt or p.max_drawdown_pct <= 0 or fraction < p.max_drawdown_pct:
        return guards
    reason = (
        f"drawdown {fraction * 100:.2f}% from the equity peak reached "
        f"protections.max_drawdown_pct {p.max_drawdown_pct * 100:.2f}%"
    )
    return attrs.evolve(guards, halt=reason)


def on_trade_close(guards: GuardState, close: TradeClose, p: Protections) -> GuardState:
    """Count a loss in a row (a win resets it), trip the breaker, start a stop-out cooldown."""
    breaker = guards.breaker
    losses = breaker.losses_in_a_row + 1 if close.net_pnl < 0 else 0
    breaker = attrs.evolve(breaker, losses_in_a_row=losses)
    if p.breaker_losses > 0 and losses >= p.breaker_losses:
        reason = f"{losses} losing trades in a row (protections.breaker_losses {p.breaker_losses})"
        breaker = _trip(breaker, close.at_ms, reason, p)
    cooldowns = guards.cooldowns
    if p.stopout_cooldown_ms > 0 and is_stop_out(close):
        until = close.at_ms + p.stopout_cooldown_ms
        kept = tuple(c for c in cooldowns if c.symbol != close.symbol)
        reason = f"stopped out at {close.at_ms} (net {close.net_pnl:.2f})"
        cooldowns = (*kept, Cooldown(close.symbol, until, reason))
    seen = max(guards.trades_seen_ms, close.at_ms)
    fresh = GuardState(guards.halt, breaker, cooldowns, seen)
    return guards if fresh == guards else fresh


def on_incident(guards: GuardState, at_ms: int, what: str, p: Protections) -> GuardState:
    """A venue error or a risk rejection: trip the breaker at the Nth within the window."""
    if p.breaker_incidents <= 0:
        return guards
    breaker = guards.breaker
    recent = tuple(t for t in breaker.incidents if t > at_ms - p.breaker_window_ms)
    recent = (*recent, at_ms)[-p.breaker_incidents :]
    breaker = attrs.evolve(breaker, incidents=recent)
    if len(recent) >= p.breaker_incidents:
        window_s = p.breaker_window_ms // 1000
        reason = f"{len(recent)} venue errors or risk rejections within {window_s}s (last: {what})"
        breaker = _trip(attrs.evolve(breaker, incidents=()), at_ms, reason, p)
    return guards if breaker == guards.breaker else attrs.evolve(guards, breaker=breaker)


def expire(guards: GuardState, now_ms: int) -> GuardState:
    """Forget a pause and cooldowns that have ended (a pause ending resets the loss count: the
    cooldown was the answer to it)."""
    breaker = guards.breaker
    if breaker.paused_until_ms and not breaker.paused(now_ms):
        breaker = attrs.evolve(breaker, paused_until_ms=0, reason="", losses_in_a_row=0)
    cooldowns = tuple(c for c in guards.cooldowns if now_ms < c.until_ms)
    if breaker == guards.breaker and len(cooldowns) == len(guards.cooldowns):
        return guards
    return attrs.evolve(guards, breaker=breaker, cooldowns=cooldowns)


def clear_guards(
    guards: GuardState, *, drawdown_halt: bool, breaker: bool, cooldowns: bool
) -> GuardState:
    cleared = guards
    if drawdown_halt and guards.halt:
        cleared = attrs.evolve(cleared, halt="")
    if breaker and guards.breaker != Breaker():
        cleared = attrs.evolve(cleared, breaker=Breaker())
    if cooldowns and guards.cooldowns:
        cleared = attrs.evolve(cleared, cooldowns=())
    return cleared


def _trip(breaker: Breaker, at_ms: int, reason: str, p: Protections) -> Breaker:
    until = max(breaker.paused_until_ms, at_ms + p.breaker_cooldown_ms)
    return attrs.evolve(breaker, paused_until_ms=until, reason=reason)
