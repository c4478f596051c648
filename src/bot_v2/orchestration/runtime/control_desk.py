"""ControlDesk applies the operator's controls between two cycles and publishes what the operator
API reads. The RuntimeCoordinator calls `apply_pending` once per cycle, after the account sync and
before the strategies decide, and `publish` once the cycle's report exists: a control never lands
half-way through a cycle, and a read never reaches into one.

Every switch is a RiskState transition kept in the store before anything relies on it, so a
restart keeps a pause, a reduce-only or a kill switch an operator set. A flatten is a CLOSE signal
through the ExecutionCoordinator, like a strategy's: the risk checks, the committed intent, a
reduce-only market order. Every control is journaled (event "control") with its role and times."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal

import attrs

from bot_v2.domain.errors import BotError, BrokerError, ConfigError, InvalidSymbol
from bot_v2.domain.signals import Action, Signal
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.features.live_trade.account_sync import AccountSync
from bot_v2.features.live_trade.execution import ExecutionCoordinator
from bot_v2.features.live_trade.protection.values import Held
from bot_v2.features.live_trade.risk.state import (
    RiskState,
    clear,
    engage_kill_switch,
    hold_reduce_only,
    pause,
)
from bot_v2.features.live_trade.risk_context import RiskContextSource
from bot_v2.features.live_trade.strategies.portfolio import StrategyBook
from bot_v2.features.live_trade.strategies.portfolio.results import SlotTally
from bot_v2.features.live_trade.strategy_orchestrator import StrategyOrchestrator
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.config.slots import slot_label, slot_specs
from bot_v2.orchestration.runtime.control_queue import ControlQueue, SnapshotBoard
from bot_v2.orchestration.runtime.protective_views import ProtectiveViews
from bot_v2.orchestration.runtime.slot_change import (
    changed_slot_keys,
    revised_slot,
    slot_index,
    warmed_slot,
)
from bot_v2.orchestration.runtime.strategy_change import changed_keys, revised, warmed_strategy
from bot_v2.ports.broker import IBroker
from bot_v2.ports.control import (
    ControlAction,
    ControlCommand,
    ControlResult,
    Flags,
    PositionView,
    RuntimeSnapshot,
)
from bot_v2.ports.runtime import IBotRuntime
from bot_v2.ports.state_store import IStateStore

log = logging.getLogger(__name__)
A = ControlAction


class ControlDesk:
    def __init__(
        self,
        *,
        config: BotConfig,
        queue: ControlQueue,
        board: SnapshotBoard,
        risk_context: RiskContextSource,
        execution: ExecutionCoordinator,
        orchestrator: StrategyOrchestrator,
        account_sync: AccountSync,
        market_data: MarketDataService,
        broker: IBroker,
        store: IStateStore,
        on_control: Callable[[str, str], None] = lambda action, status: None,
        on_flags: Callable[[Flags], None] = lambda flags: None,
        on_slots: Callable[[list[dict[str, object]]], None] = lambda slots: None,
    ) -> None:
        self.config = config
        self.queue = queue
        self.board = board
        self.risk = risk_context
        self.execution = execution
        self.orchestrator = orchestrator
        self.account_sync = account_sync
        self.market_data = market_data
        self.broker = broker
        self.store = store
        self.on_control = on_control
        self.on_flags = on_flags
        # Each slot's results apart (/health, /api/v1/strategies); None with one [strategy].
        specs = slot_specs(config)
        self.slots = SlotTally(specs) if specs else None
        self.on_slots = on_slots
        self.protective = ProtectiveViews()
        # Set by apply_pending when a control sent or cancelled orders: the cycle recounts them.
        self.orders_moved = False

    # -- controls ------------------------------------------------------------------------------
    async def apply_pending(self, runtime: IBotRuntime, now_ms: int) -> None:
        self.orders_moved = False
        for command, future in self.queue.take():
            try:
                result = await self._apply(command, runtime, now_ms)
            except ConfigError as exc:
                result = ControlResult(command.action, "refused", "; ".join(exc.lines))
            except BotError as exc:
                result = ControlResult(command.action, "refused", f"{type(exc).__name__}: {exc}")
            result = attrs.evolve(result, applied_ms=now_ms)
            self._journal(command, result, now_ms)
            self.on_control(command.action.value, result.status)
            future.set_result(result)

    async def _apply(
        self, command: ControlCommand, runtime: IBotRuntime, now_ms: int
    ) -> ControlResult:
        action, who = command.action, f"by the {command.role}"
        state = self.risk.state
        if action is A.PAUSE:
            return self._switch(action, pause(state, f"entries paused {who}"))
        if action is A.RESUME:
            return self._switch(action, clear(state, paused=True))
        if action is A.REDUCE_ONLY_ON:
            return self._switch(action, hold_reduce_only(state, f"reduce-only set {who}"))
        if action is A.REDUCE_ONLY_OFF:
            result = self._switch(action, clear(state, reduce_only=True))
            if runtime.reduce_only:
                # Not an operator's switch: a venue ban, the config, or an unfinished check.
                reason = getattr(runtime, "reduce_only_reason", "") or "the runtime's"
                return attrs.evolve(result, detail=f"still reduce-only: {reason}")
            return result
        if action is A.KILL:
            return self._switch(action, engage_kill_switch(state, f"kill switch {who}"))
        if action is A.FLATTEN:
            return await self._flatten(command, now_ms)
        if action is A.CANCEL_ORDERS:
            return await self._cancel(command)
        return self._new_params(command)

    def _switch(self, action: ControlAction, state: RiskState) -> ControlResult:
        if not self.risk.keep(state):
            return ControlResult(action, "unchanged", "already so")
        log.warning("operator control: %s", action.value)
        return ControlResult(action, "applied")

    def _symbols(self, command: ControlCommand) -> list[str]:
        symbols = list(self.market_data.symbols)
        if not command.symbol:
            return symbols
        try:
            symbol = normalize_symbol(command.symbol)
        except InvalidSymbol:
            symbol = command.symbol
        if symbol not in symbols:
            raise ConfigError([f"symbol: not traded by this bot: {command.symbol!r}"])
        return [symbol]

    async def _flatten(self, command: ControlCommand, now_ms: int) -> ControlResult:
        held = [s for s in self._symbols(command) if not self.risk.ledger.position(s).is_flat]
        if not held:
            return ControlResult(command.action, "unchanged", "flat already")
        notes = []
        for symbol in held:
            # A fresh context per symbol: the one before may have left an intent pending.
            ctx = self.risk.context()
            signal = Signal(symbol, Action.CLOSE, f"flatten by the {command.role}")
            for outcome in await self.execution.act(signal, Decimal(0), ctx, now_ms):
                if outcome.sent:
                    self.orders_moved = True
                    notes.append(f"{symbol}: sent {outcome.request.client_order_id}")
                else:
                    notes.append(f"{symbol}: {outcome.rejected_by}")
        if self.orders_moved:
            await self.account_sync.sync()
            self.risk.refresh_pending()
        status = "applied" if self.orders_moved else "refused"
        return ControlResult(command.action, status, "; ".join(notes))

    async def _cancel(self, command: ControlCommand) -> ControlResult:
        symbols = set(self._symbols(command))
        orders = [o for o in self.store.load_open_orders() if o.symbol in symbols]
        if not orders:
            return ControlResult(command.action, "unchanged", "no open orders")
        notes = []
        for order in orders:
            try:
                self.store.record_order(
                    await self.broker.cancel_order(order.symbol, order.client_order_id)
                )
                notes.append(f"{order.client_order_id}: cancelled")
            except BrokerError as exc:
                notes.append(f"{order.client_order_id}: {type(exc).__name__}: {exc}")
        self.orders_moved = True
        return ControlResult(command.action, "applied", "; ".join(notes))

    def _new_params(self, command: ControlCommand) -> ControlResult:
        if command.slot is not None:
            return self._new_slot_params(command, command.slot)
        config = revised(self.config, command.params)
        changes = changed_keys(self.config, config)
        if not changes:
            return ControlResult(command.action, "unchanged", "same parameters")
        # With slots only [strategy]'s shared keys change here (revised refuses its params): the
        # running book, its slots' views and funding samples, stays as it is.
        strategy = (
            self.orchestrator.strategy
            if config.strategies
            else warmed_strategy(config, self.market_data, self.risk.ledger)
        )
        self.orchestrator.use(strategy, config.strategy.position_fraction)
        self.config = config
        shown = ", ".join(f"{key}={value}" for key, value in sorted(changes.items()))
        return ControlResult(command.action, "applied", shown)

    def _new_slot_params(self, command: ControlCommand, slot: str | int) -> ControlResult:
        index = slot_index(self.config, slot)
        config = revised_slot(self.config, index, command.params)
        changes = changed_slot_keys(self.config, config, index)
        if not changes:
            return ControlResult(command.action, "unchanged", "same parameters")
        book = self.orchestrator.strategy
        if not isinstance(book, StrategyBook):  # slots always run in a book (factories.strategy)
            raise ConfigError(["slot: this bot's strategy is not a book of slots"])
        fresh = warmed_slot(config, index, self.market_data, self.risk.ledger)
        self.orchestrator.use(book.with_slots(fresh), config.strategy.position_fraction)
        self.config = config
        shown = ", ".join(f"{key}={value}" for key, value in sorted(changes.items()))
        return ControlResult(command.action, "applied", shown)

    def _journal(self, command: ControlCommand, result: ControlResult, now_ms: int) -> None:
        asked = datetime.fromtimestamp(command.requested_ms / 1000, UTC).isoformat()
        target = f" {command.symbol}" if command.symbol else ""
        if command.slot is not None:
            target += f" slot {command.slot!r}"
        detail = f" ({result.detail})" if result.detail else ""
        self.store.record_event(
            now_ms,
            "control",
            f"{command.action.value}{target}: {result.status}{detail}; "
            f"role {command.role}, asked {asked}",
        )

    # -- what the operator API reads -----------------------------------------------------------
    def _with_params(self, doc: dict[str, object]) -> dict[str, object]:
        """A slot's results with its index and the params it runs with now (as a control names
        them), for /api/v1/strategies."""
        labels = [slot_label(s) for s in self.config.strategies]
        index = labels.index(str(doc["label"]))
        params = self.config.strategies[index].params
        return {**doc, "index": index, "params": _shown(params)}

    def publish(
        self,
        report: CycleReport,
        runtime: IBotRuntime,
        protection: Mapping[str, Held] | None = None,
    ) -> None:
        """`protection`: what protection holds per symbol at the cycle's end (None: unknown)."""
        state = self.risk.state
        flags = Flags(
            paused=state.paused,
            reduce_only=state.reduce_only,
            day_halt=state.day_halt,
            kill_switch=state.kill_switch,
            runtime_reduce_only=getattr(runtime, "reduce_only_reason", "")
            or self.risk.unreconciled,
        )
        marks = self.market_data.mark_prices()
        positions = []
        for symbol, position in self.risk.ledger.positions.items():
            if position.is_flat:
                continue
            mark = marks.get(symbol)
            upnl = None if mark is None else position.unrealized_pnl(mark)
            protective = (
                None if protection is None else self.protective.of(symbol, protection.get(symbol))
            )
            positions.append(
                PositionView(symbol, position.size, position.entry_price, mark, upnl, protective)
            )
        d = state.drawdown
        slots: list[dict[str, object]] = []
        if self.slots is not None:
            self.slots.update(self.risk.ledger.closed_trades)
            held = self.risk.ledger.positions
            slots = [r.document() for r in self.slots.results(held, marks)]
            self.on_slots(slots)
            slots = [self._with_params(doc) for doc in slots]
        self.board.publish(
            RuntimeSnapshot(
                state="running",
                cycle=report.cycle,
                clock_ms=report.clock_ms,
                equity=report.equity,
                cash=report.cash,
                day_pnl=state.day_pnl(report.equity),
                flags=flags,
                positions=tuple(positions),
                strategy=self.config.strategy.name,
                strategy_params={k: str(v) for k, v in attrs.asdict(self.config.strategy).items()},
                slots=tuple(slots),
                risk={
                    "day_start_equity": str(state.day_start_equity),
                    "equity_peak": None if d.peak is None else str(d.peak),
                    "max_drawdown": str(d.max_drawdown),
                    "max_drawdown_abs": str(d.max_drawdown_abs),
                },
            )
        )
        self.on_flags(flags)


def _shown(params: Mapping[str, object]) -> dict[str, object]:
    """Params as text, a table (an ensemble member's) as a table of text."""
    return {k: _shown(v) if isinstance(v, Mapping) else str(v) for k, v in params.items()}
