"""RuntimeCoordinator runs one cycle, the same in dev, backtest and live:
market data -> (reconciliation when due) -> strategy -> risk -> execution -> broker -> fills ->
accounting -> store -> monitoring.

While a reconciliation has not completed, the cycle runs reduce-only: the bot does not add exposure
on a state it could not check against the venue. The next pass that completes lifts it.

The risk state a restart must not forget (the UTC day and its starting equity, the day's halt once
its loss reached the limit, the equity peak and drawdown, a reduce-only or kill switch set at run
time) is a RiskState kept in the store: restored when the coordinator is built, stored whenever it
changes, before a decision relies on it. It and everything else a decision's risk context holds are
kept by RiskContextSource (a feature object, given at construction and shared with the
StrategyOrchestrator): the coordinator tells it what only the runtime knows (reconciliation's
outcome, the run-time reduce-only) and the orchestrator asks it for a context when a signal acts.
Each step asks the one below and gets an answer; nothing calls back up into the coordinator."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from decimal import Decimal

from bot_v2.domain.errors import BrokerError
from bot_v2.features.live_trade.account_sync import AccountSync
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.execution import ExecutionCoordinator, OrderOutcome
from bot_v2.features.live_trade.maker import MakerDesk
from bot_v2.features.live_trade.performance import Drawdown
from bot_v2.features.live_trade.protection import ProtectionService
from bot_v2.features.live_trade.reconciliation import (
    ReconciliationPlan,
    ReconciliationReport,
    ReconciliationService,
)
from bot_v2.features.live_trade.reconciliation.intents import unresolved_detail
from bot_v2.features.live_trade.risk.pre_trade import day_loss_breached
from bot_v2.features.live_trade.risk.state import (
    RiskState,
    day_of,
    engage_kill_switch,
    hold_reduce_only,
    observe_equity,
    roll_day,
)
from bot_v2.features.live_trade.risk_context import RiskContextSource
from bot_v2.features.live_trade.strategy_orchestrator import StrategyOrchestrator
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration.runtime.control_desk import ControlDesk
from bot_v2.orchestration.runtime.liquidation_alarm import LiquidationAlarm
from bot_v2.orchestration.runtime.protection_step import ProtectionStep
from bot_v2.ports.clock import IClock
from bot_v2.ports.monitor import IMonitor
from bot_v2.ports.quote_stream import IQuoteStream
from bot_v2.ports.runtime import IBotRuntime
from bot_v2.ports.state_store import IStateStore

log = logging.getLogger(__name__)


class RuntimeCoordinator:
    def __init__(
        self,
        *,
        clock: IClock,
        stream: IQuoteStream,
        market_data: MarketDataService,
        ledger: Ledger,
        account_sync: AccountSync,
        strategies: StrategyOrchestrator,
        execution: ExecutionCoordinator,
        store: IStateStore,
        monitor: IMonitor,
        risk_context: RiskContextSource,
        on_report: Callable[[CycleReport], None],
        reconciler: ReconciliationService | None = None,
        reconcile_interval_ms: int = 0,
        reconcile_pending_timeout_ms: int = 0,
        controls: ControlDesk | None = None,
        guards: ProtectionStep | None = None,
        protection: ProtectionService | None = None,
        entries: MakerDesk | None = None,
        liquidation_alarm: LiquidationAlarm | None = None,
    ) -> None:
        self.clock = clock
        self.stream = stream
        self.market_data = market_data
        self.ledger = ledger
        self.account_sync = account_sync
        self.strategies = strategies
        self.execution = execution
        self.store = store
        self.monitor = monitor
        self.risk_context = risk_context
        self.limits = risk_context.limits
        self.on_report = on_report
        self._show_risk(risk_context.state)
        self.errors = 0
        self.reconciler = reconciler
        self.reconcile_interval_ms = reconcile_interval_ms
        self.reconcile_pending_timeout_ms = reconcile_pending_timeout_ms
        self._reconciled_ms: int | None = None
        self._unresolved: list[str] = []
        # Orders resting on the venue as the store last saw them (see _count_open_orders).
        self._open_orders = 0
        # The operator's controls, applied between cycles; None in a backtest.
        self.controls = controls
        # The portfolio protections (drawdown halt, circuit breaker, cooldowns, liquidation).
        self.guards = guards
        # Protective orders: placed after the cycle's entries are booked; a pass after a
        # reconciliation checks them against the venue's list.
        self.protection = protection
        self._verify_protection = True
        # Maker entries ([strategy.entry]): worked every cycle, before the strategy acts.
        self.entries = entries
        # Journals a position too close to its estimated liquidation (alerts.liquidation_distance_pct).
        self.liquidation_alarm = liquidation_alarm

    def equity(self) -> Decimal:
        """The ledger at the latest marks (what EquityCalculator gives, kept up to date)."""
        return self.risk_context.equity()

    async def run_cycle(self, runtime: IBotRuntime) -> CycleReport:
        started = time.perf_counter()
        self.risk_context.runtime = runtime
        now = self.clock.now_ms()
        ingest = self.market_data.ingest(self.stream.drain())
        for gap in ingest.gaps:
            detail = f"{gap.symbol}: {gap.missing} candle(s) missing after {gap.after_ms}"
            log.warning("market data gap: %s", detail)
            self.store.record_event(now, "gap", detail)
        self._roll_day(now)
        if self.protection is not None:
            self.protection.observe(ingest.new_candles)
        if self._reconcile_due(now):
            await self._reconcile(now)
        # The strategies see the account as the venue has it now; the risk context is asked for
        # only when a signal acts (see StrategyOrchestrator).
        await self.account_sync.sync()
        if self.controls is not None:
            await self._apply_controls(runtime, now)
        if self.guards is not None:
            await self.guards.run(now)
        # The funding guard's rates: once per cycle, before any decision asks for its context.
        await self.risk_context.refresh_funding(self.market_data.symbols)
        outcomes = await self._work_entries(now)
        outcomes += await self.strategies.on_candles(ingest.new_candles, now)
        if self.guards is not None:
            self.guards.note_outcomes(outcomes)
        # A decision's context may have halted the day (stored already): show it.
        self._show_risk_if_changed()
        self._journal(outcomes, now)
        await self.protect(now)
        if any(o.pending for o in outcomes):
            self.risk_context.refresh_pending()
        if any(outcome.sent for outcome in outcomes):
            self._count_open_orders()
        equity = self.equity()
        self._keep(observe_equity(self.risk_context.state, equity))
        self.store.record_equity(now, equity)
        if self.liquidation_alarm is not None:
            self.liquidation_alarm.run(now, equity)
        # No sync here: the one at the top of the cycle and the one after every decision that sent
        # an order leave the ledger current, and a second REST round trip per symbol every cycle
        # would only catch a resting order filling in the last milliseconds (the next cycle does).
        day_pnl = self.risk_context.state.day_pnl(equity)
        if day_loss_breached(day_pnl, self.limits):
            self.monitor.set_detail(
                "daily_loss", f"limit {self.limits.daily_loss_limit} hit: day PnL {day_pnl:.2f}"
            )
        report = CycleReport(
            cycle=runtime.cycle_count + 1,
            clock_ms=now,
            duration_s=time.perf_counter() - started,
            equity=equity,
            cash=self.ledger.cash,
            positions={s: p.size for s, p in self.ledger.positions.items()},
            open_orders=self._open_orders,
            orders_total=self.execution.orders_sent,
            fills_total=self.ledger.fill_count,
            risk_rejections=self.execution.rejections,
            errors=self.errors,
            reduce_only_reason=getattr(runtime, "reduce_only_reason", "")
            or self.risk_context.unreconciled
            or self.risk_context.state.blocked_reason,
            progress=self.clock.progress(),
            stale_symbols=self.risk_context.stale(now),
        )
        self.monitor.on_cycle(report)
        self.on_report(report)
        if self.controls is not None:
            held = None if self.protection is None else self.protection.held
            self.controls.publish(report, runtime, held)
        return report

    async def _work_entries(self, now_ms: int) -> list[OrderOutcome]:
        """Re-price or fall back the maker entries whose wait is over (MakerDesk.work)."""
        if self.entries is None or not self.entries.working:
            return []
        outcomes = await self.entries.work(now_ms, self.risk_context.context)
        if any(o.sent for o in outcomes):
            await self.account_sync.sync()
        return outcomes

    async def _apply_controls(self, runtime: IBotRuntime, now_ms: int) -> None:
        """What an operator asked since the last cycle, before this cycle's decisions see it."""
        assert self.controls is not None
        await self.controls.apply_pending(runtime, now_ms)
        self._show_risk_if_changed()
        if self.controls.orders_moved:
            self._count_open_orders()

    # -- reconciliation ------------------------------------------------------------------------
    def accept_reconciliation(self, report: ReconciliationReport) -> None:
        """Block or unblock new exposure on a pass's outcome and show it in /health."""
        self._reconciled_ms = report.at_ms
        unreconciled = "" if report.ok else f"reconciliation incomplete: {report.failure}"
        self.risk_context.unreconciled = unreconciled
        detail = report.health()
        detail["reduce_only"] = bool(unreconciled)
        self.monitor.set_detail("reconciliation", detail)
        if not report.ok:
            self.monitor.on_error("reconciliation")
        self.risk_context.refresh_pending()
        self._count_open_orders()
        self._verify_protection = True
        for intent in report.plan.unresolved:
            self.monitor.on_error("unresolved_order")
            self._unresolved.append(unresolved_detail(intent, self.reconcile_pending_timeout_ms))
        if report.plan.unresolved:
            # The newest few: each is in the journal too (event "unresolved_order").
            self._unresolved = self._unresolved[-20:]
            self.monitor.set_detail("unresolved_orders", list(self._unresolved))

    async def protect(self, now_ms: int) -> None:
        """The venue holds each open position's stop and take-profits (ProtectionService); after a
        reconciliation the pass checks them against the venue's own list."""
        if self.protection is None:
            return
        verify, self._verify_protection = self._verify_protection, False
        report = await self.protection.run(
            now_ms,
            self.ledger.positions,
            self.market_data.mark_prices(),
            verify=verify,
            fills_seen=self.ledger.fill_count,
        )
        self._show_risk_if_changed()
        if not report.ok and verify:
            self._verify_protection = True

    def _count_open_orders(self) -> None:
        """From the store, which records every order sent and, at each reconciliation pass, every
        order the venue lists as open (and how the others ended): no venue request per cycle. An
        order that fills or is cancelled on the venue between passes counts until the next pass
        (reconciliation.interval_s); one the bot sent and that filled at once never counts."""
        self._open_orders = len(self.store.load_open_orders())

    def _reconcile_due(self, now_ms: int) -> bool:
        """Every `reconciliation.interval_s` of clock time, and every cycle while blocked or while
        an order's outcome is unknown (only lookups resolve it; it is never sent again)."""
        if self.reconciler is None:
            return False
        last = self._reconciled_ms
        due = last is None or now_ms - last >= self.reconcile_interval_ms
        risk = self.risk_context
        return due or bool(risk.unreconciled) or bool(risk.pending_symbols)

    async def _reconcile(self, now_ms: int) -> None:
        assert self.reconciler is not None
        try:
            # The cycle's own bookkeeping first, so a pass reports only what that path missed.
            await self.account_sync.sync()
        except BrokerError as exc:
            self.accept_reconciliation(ReconciliationReport(now_ms, ReconciliationPlan(), str(exc)))
            return
        report = await self.reconciler.run(
            now_ms,
            ledger=self.ledger,
            book_drift_at_once=False,
            marks=self.market_data.mark_prices(),
        )
        self.accept_reconciliation(report)

    def _journal(self, outcomes: list[OrderOutcome], now_ms: int) -> None:
        """The decision journal: each order the strategy asked for and what became of it."""
        for outcome in outcomes:
            r = outcome.request
            verdict = f"sent as {r.client_order_id}" if outcome.sent else outcome.rejected_by
            self.store.record_event(
                now_ms,
                "decision",
                f"{r.symbol} {r.side.value} {r.size:f}{' reduce-only' if r.reduce_only else ''}: "
                f"{verdict}",
            )

    # -- risk state (see RiskState) ------------------------------------------------------------
    @property
    def drawdown(self) -> Drawdown:
        return self.risk_context.state.drawdown

    def hold_reduce_only(self, reason: str) -> None:
        """Reduce-only set at run time: stored, so a restart keeps it until an operator clears it."""
        self._keep(hold_reduce_only(self.risk_context.state, reason))

    def note_venue_error(self, what: str) -> None:
        """A cycle a venue error cost: an incident for the circuit breaker."""
        if self.guards is not None:
            self.guards.note_incident(what)

    def engage_kill_switch(self, reason: str) -> None:
        self._keep(engage_kill_switch(self.risk_context.state, reason))

    def _keep(self, state: RiskState) -> None:
        self.risk_context.keep(state)
        self._show_risk_if_changed()

    def _show_risk_if_changed(self) -> None:
        state = self.risk_context.state
        if state is not self._shown_risk:
            self._show_risk(state)

    def _show_risk(self, state: RiskState) -> None:
        self._shown_risk = state
        self.monitor.set_detail(
            "risk_state",
            {
                "day_start_equity": str(state.day_start_equity),
                "day_halt": state.day_halt,
                "equity_peak": str(state.drawdown.peak or 0),
                "max_drawdown": str(state.drawdown.max_drawdown),
                "reduce_only": state.reduce_only,
                "kill_switch": state.kill_switch,
                "paused": state.paused,
                "drawdown_halt": state.guards.halt,
            },
        )

    def _roll_day(self, now_ms: int) -> None:
        if day_of(now_ms) != self.risk_context.state.day:
            self._keep(roll_day(self.risk_context.state, now_ms, self.equity()))
            self.monitor.set_detail("daily_loss", "")
