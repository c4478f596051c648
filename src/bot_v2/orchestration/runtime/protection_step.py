"""ProtectionStep: the cycle's portfolio protections with their effects. The pure ProtectionGuard
moves the risk state (drawdown halt, circuit breaker, stop-out cooldowns); this step stores it
before anything relies on it, journals and counts what acted (event "protection", metric
perps_protection_actions{kind}), shows it in /health ("protections"), and sends the reductions the
guard asks for (flatten on the halt; a share near liquidation) as reduce-only orders through the
executor, so they pass the intent path like any order.

Its inputs: closed trades from the ledger (watermarked in the stored state, so a restart does not
count them twice) and, per cycle, the orders the risk rules or the venue refused and the cycles a
venue error cost (`note_incident`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.execution import ExecutionCoordinator, OrderOutcome
from bot_v2.features.live_trade.risk.guard import ProtectionGuard, closes_of
from bot_v2.features.live_trade.risk.protections import GuardState
from bot_v2.features.live_trade.risk.state import RiskState
from bot_v2.features.live_trade.risk_context import RiskContextSource
from bot_v2.ports.monitor import IMonitor
from bot_v2.ports.state_store import IStateStore

log = logging.getLogger(__name__)


class ProtectionStep:
    def __init__(
        self,
        *,
        guard: ProtectionGuard,
        risk_context: RiskContextSource,
        ledger: Ledger,
        execution: ExecutionCoordinator,
        store: IStateStore,
        monitor: IMonitor,
    ) -> None:
        self.guard = guard
        self.risk_context = risk_context
        self.ledger = ledger
        self.execution = execution
        self.store = store
        self.monitor = monitor
        self._incidents: list[str] = []
        # The ledger's fill count when its closed trades were last looked at: no new fill, no
        # new closed trade, so most cycles skip the look.
        self._fills_seen = -1
        self.show(risk_context.state)

    def note_incident(self, what: str) -> None:
        self._incidents.append(what)

    @property
    def incidents_waiting(self) -> int:
        """Incidents noted and not yet counted: the next cycle counts them at its own time (a
        fast backtest runs that cycle for them)."""
        return len(self._incidents)

    def note_outcomes(self, outcomes: Iterable[OrderOutcome]) -> None:
        for outcome in outcomes:
            if outcome.rejected_by:
                self._incidents.append(f"{outcome.request.symbol} {outcome.rejected_by}")

    async def run(self, now_ms: int) -> None:
        source = self.risk_context
        before = source.state
        closes = []
        if self.ledger.fill_count != self._fills_seen:
            self._fills_seen = self.ledger.fill_count
            closes = closes_of(self.ledger.closed_trades, before.guards.trades_seen_ms)
        incidents, self._incidents = self._incidents, []
        equity = source.equity()
        after = self.guard.step(
            before, now_ms=now_ms, equity=equity, closes=closes, incidents=incidents
        )
        source.keep(after)  # stored before anything below relies on it
        self._announce(before.guards, after.guards, now_ms)
        await self._reduce(after, now_ms)
        if after is not before:
            self.show(after)

    async def _reduce(self, state: RiskState, now_ms: int) -> None:
        source = self.risk_context
        marks = source.marks()
        reductions = self.guard.reductions(state, self.ledger.positions, marks, source.equity())
        if not reductions:
            return
        ctx = source.context()
        if ctx.kill_switch:
            return  # a person has taken over: the kill switch refuses closing orders too
        for r in reductions:
            if r.symbol in ctx.pending_symbols:
                continue  # an earlier order's outcome is unknown: never stack closes on it
            outcome = await self.execution.reduce(r.symbol, r.side, r.size, ctx, now_ms)
            if outcome is None:
                continue
            verdict = "sent" if outcome.sent else outcome.rejected_by
            detail = f"{r.kind}: reduce {r.symbol} {r.side.value} {outcome.request.size:f} ({r.reason}): {verdict}"
            log.warning("protection: %s", detail)
            self.store.record_event(now_ms, "protection", detail)
            self.monitor.on_protection(r.kind)
        source.refresh_pending()

    def _announce(self, before: GuardState, after: GuardState, now_ms: int) -> None:
        """Journal and count each protection that newly acted."""
        acted: list[tuple[str, str]] = []
        if after.halt and not before.halt:
            acted.append(("drawdown_halt", after.halt))
            log.error("ALERT: drawdown halt: %s; flattening, resume with `risk clear`", after.halt)
        if after.breaker.paused_until_ms > before.breaker.paused_until_ms:
            acted.append(
                (
                    "circuit_breaker",
                    f"{after.breaker.reason}; entries paused until {after.breaker.paused_until_ms}",
                )
            )
        old = {(c.symbol, c.until_ms) for c in before.cooldowns}
        for c in after.cooldowns:
            if (c.symbol, c.until_ms) not in old:
                acted.append(
                    ("symbol_cooldown", f"{c.symbol}: {c.reason}; no entry until {c.until_ms}")
                )
        for kind, detail in acted:
            self.store.record_event(now_ms, "protection", f"{kind}: {detail}")
            self.monitor.on_protection(kind)
            if kind != "drawdown_halt":
                log.warning("protection: %s: %s", kind, detail)

    def show(self, state: RiskState) -> None:
        g = state.guards
        self.monitor.set_detail(
            "protections",
            {
                "drawdown_halt": g.halt,
                "resume": "perps-bot risk clear --drawdown-halt" if g.halt else "",
                "breaker_paused_until_ms": g.breaker.paused_until_ms,
                "breaker_reason": g.breaker.reason,
                "losses_in_a_row": g.breaker.losses_in_a_row,
                "recent_incidents": len(g.breaker.incidents),
                "cooldowns": {
                    c.symbol: {"until_ms": c.until_ms, "reason": c.reason} for c in g.cooldowns
                },
            },
        )
