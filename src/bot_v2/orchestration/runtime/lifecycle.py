"""LifecycleService starts a run (state, venue, markets, reconciliation, ledger, operator API) and
stops it cleanly with a summary, whatever ended it.

Start order matters for crash recovery: the store is opened (and refused if unsafe), a replay clock
is moved to where the stored state ends, the store is reconciled with the venue (pending intents
resolved, missed fills adopted, external changes booked), and only then is the ledger built and the
first cycle allowed. A reconciliation that cannot complete starts the bot reduce-only."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Protocol, runtime_checkable

from bot_v2.adapters.http.operator_api import OperatorApiServer
from bot_v2.domain.errors import BrokerError
from bot_v2.domain.market import MarketSpec
from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.account_sync import AccountSync
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.execution import ExecutionCoordinator
from bot_v2.features.live_trade.performance import RunSummary, summarize
from bot_v2.features.live_trade.reconciliation import (
    ReconciliationReport,
    ReconciliationService,
    UnknownOrderPolicy,
)
from bot_v2.features.live_trade.reconciliation.service import SEQUENCE_FLOOR_KEY
from bot_v2.features.live_trade.risk.pre_trade import PreTradeRisk
from bot_v2.features.live_trade.risk_context import RiskContextSource
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.features.live_trade.strategy_orchestrator import StrategyOrchestrator
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.features.streaming.service import StreamingService
from bot_v2.monitoring.reports import CycleReport
from bot_v2.monitoring.system_monitor import SystemMonitor
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.runtime import fault_pause
from bot_v2.orchestration.runtime.resume import advance_clock, warm_up, warm_up_live
from bot_v2.orchestration.runtime.runtime_coordinator import RuntimeCoordinator
from bot_v2.orchestration.runtime.user_stream_pump import UserStreamPump
from bot_v2.ports.broker import IBroker
from bot_v2.ports.clock import IClock
from bot_v2.ports.market_data import IMarketData
from bot_v2.ports.quote_stream import IQuoteStream
from bot_v2.ports.runtime import IBotRuntime
from bot_v2.ports.state_store import IStateStore

log = logging.getLogger(__name__)
# Store meta: where venue history (fills, funding) starts, set on the bot's first start.
HISTORY_START_KEY = "history_start_ms"


@runtime_checkable
class HistoryStart(Protocol):
    """A venue broker that can skip history from before the bot's first start."""

    def set_history_start(self, start_ms: int) -> None: ...


class LifecycleService:
    def __init__(
        self,
        *,
        config: BotConfig,
        clock: IClock,
        broker: IBroker,
        stream: IQuoteStream,
        store: IStateStore,
        monitor: SystemMonitor,
        api: OperatorApiServer,
        strategy: Strategy,
        market_data: MarketDataService,
        on_report: Callable[[CycleReport], None],
        on_started: Callable[[str], None],
        market_source: IMarketData | None = None,
        user_stream: StreamingService | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.broker = broker
        self.stream = stream
        self.store = store
        self.monitor = monitor
        self.api = api
        self.strategy = strategy
        self.market_data = market_data
        # Request/response market data for a live start's warm-up (replays warm up from the feed).
        self.market_source = market_source
        self.on_report = on_report
        self.on_started = on_started
        # The venue's private stream (fills as they happen), when it has one; see UserStreamPump.
        self.user_stream = user_stream
        self.user_pump: UserStreamPump | None = None
        self.coordinator: RuntimeCoordinator | None = None
        self._initial_equity = Decimal(0)

    async def start(self, runtime: IBotRuntime) -> RuntimeCoordinator:
        try:
            return await self._start(runtime)
        except BaseException:
            # Leave nothing half-open behind a failed start: no listening port, no open session.
            await self._stop_user_pump()
            self.api.stop()
            await self.broker.close()
            self.store.close()
            raise

    async def _start(self, runtime: IBotRuntime) -> RuntimeCoordinator:
        cfg = self.config
        symbols = self.market_data.symbols
        self.store.open()
        self.api.start()
        self.on_started(self.api.address)
        await self.broker.start()
        self._start_history()
        markets = await self.broker.load_markets(symbols)
        for symbol in symbols:
            await self._set_leverage(symbol, markets[symbol])
        # A replay restarting after a crash continues where its state ends, as the venue did.
        resumed = await advance_clock(self.clock, self.store.watermark_ms())
        reconciler = ReconciliationService(
            self.broker,
            self.store,
            symbols,
            cfg.bot.id,
            UnknownOrderPolicy(cfg.reconciliation.unknown_orders),
            alert=self._alert,
            pending_timeout_ms=int(cfg.reconciliation.pending_timeout_s * 1000),
        )
        ledger, sync, report = await self._reconciled_books(reconciler, symbols)
        resumed += await advance_clock(self.clock, self.store.watermark_ms())
        if self.clock.progress() is None and self.market_source is not None:
            warmed = await warm_up_live(self.market_source, self.market_data, self.strategy, ledger)
            log.info("warmed up on %d closed candles from the venue", warmed)
        await self.stream.start(symbols)
        if self.user_stream is not None:
            # Started once the ledger exists: its first connect resyncs fills over REST.
            self.user_pump = UserStreamPump(self.user_stream, sync, self.monitor.on_error)
            await self.user_pump.start()
        if resumed:
            warmed = warm_up(self.stream, self.market_data, self.strategy, ledger)
            log.info("resumed a replay after %d ticks; %d candles warmed up", resumed, warmed)
        limits = risk_limits(cfg)
        floor = int(self.store.get_meta(SEQUENCE_FLOOR_KEY) or 0)
        execution = ExecutionCoordinator(
            bot_id=cfg.bot.id,
            # Unset outside the crash tests, and then this is the broker itself.
            broker=fault_pause.wrap(self.broker, os.environ),
            store=self.store,
            risk=PreTradeRisk(limits),
            markets=markets,
            first_sequence=max(self.store.decision_count(), floor),
        )
        risk_context = RiskContextSource(
            ledger=ledger,
            marks=self.market_data,
            store=self.store,
            clock=self.clock,
            limits=limits,
            kill_switch=cfg.risk.kill_switch,
            max_mark_staleness_ms=int(cfg.risk.max_mark_staleness_s * 1000),
        )
        orchestrator = StrategyOrchestrator(
            self.strategy,
            execution,
            markets,
            cfg.strategy.position_fraction,
            cfg.strategy.leverage,
            account=sync,
            risk=risk_context,
        )
        self.coordinator = RuntimeCoordinator(
            clock=self.clock,
            stream=self.stream,
            market_data=self.market_data,
            ledger=ledger,
            account_sync=sync,
            strategies=orchestrator,
            execution=execution,
            store=self.store,
            monitor=self.monitor,
            risk_context=risk_context,
            on_report=self.on_report,
            reconciler=reconciler,
            reconcile_interval_ms=int(cfg.reconciliation.interval_s * 1000),
            reconcile_pending_timeout_ms=int(cfg.reconciliation.pending_timeout_s * 1000),
        )
        self.coordinator.accept_reconciliation(report)
        if cfg.risk.reduce_only:
            runtime.enter_reduce_only("config.risk.reduce_only is set")
        self._initial_equity = ledger.cash
        self.monitor.set_state("running")
        return self.coordinator

    async def _reconciled_books(
        self, reconciler: ReconciliationService, symbols: Sequence[str]
    ) -> tuple[Ledger, AccountSync, ReconciliationReport]:
        """Reconcile the store with the venue before the first cycle, then build the ledger from
        the store. On the very first start the initial balance is the venue's wallet less what the
        adopted history already explains, so a store rebuilt from the venue's history agrees."""
        initial = self.store.get_meta("initial_balance")
        now = self.clock.now_ms()
        if initial is not None:
            ledger, sync = self._books(Decimal(initial), symbols)
            return ledger, sync, await reconciler.run(now, ledger=ledger)
        report = await reconciler.run(now)
        balance = (await self.broker.fetch_balance()).total
        initial = str(balance - self._books(Decimal(0), symbols)[0].cash)
        self.store.set_meta("initial_balance", initial)
        ledger, sync = self._books(Decimal(initial), symbols)
        return ledger, sync, report

    def _books(self, initial: Decimal, symbols: Sequence[str]) -> tuple[Ledger, AccountSync]:
        ledger = Ledger(initial)
        sync = AccountSync(self.broker, self.store, ledger, symbols)
        sync.restore(self.store.load_fills(), self.store.load_funding())
        return ledger, sync

    def _start_history(self) -> None:
        """The bot owns nothing from before its first start but open positions and orders, which
        reconciliation reads directly: venue history is read from that start less a look-back.
        Stored before it is relied on; a store from before this key, with orders or fills in it,
        keeps reading all history (0), since its first start is unknown."""
        if not isinstance(self.broker, HistoryStart):
            return
        start = self.store.get_meta(HISTORY_START_KEY)
        if start is None:
            fresh = self.store.decision_count() == 0 and self.store.last_fill_ms() == 0
            lookback_ms = int(self.config.broker.history_lookback_s * 1000)
            start = str(max(0, self.clock.now_ms() - lookback_ms) if fresh else 0)
            self.store.set_meta(HISTORY_START_KEY, start)
        self.broker.set_history_start(int(start))

    async def _stop_user_pump(self) -> None:
        pump, self.user_pump = self.user_pump, None
        if pump is None:
            return
        try:
            await pump.stop()
        except Exception as exc:  # stopping must not mask why we stop, nor skip the closing sync
            log.warning("user stream stop: %s: %s", type(exc).__name__, exc)

    def _alert(self, message: str) -> None:
        log.error("ALERT: %s", message)
        self.monitor.on_error("external_position")

    async def _set_leverage(self, symbol: str, spec: MarketSpec) -> None:
        leverage = min(self.config.strategy.leverage, spec.max_leverage)
        try:
            await self.broker.set_leverage(
                symbol, leverage.to_integral_value(rounding="ROUND_CEILING")
            )
        except BrokerError as exc:
            log.warning("could not set leverage %s on %s: %s", leverage, symbol, exc)

    async def stop(self, runtime: IBotRuntime) -> RunSummary:
        coordinator = self.coordinator
        try:
            # No more pushed fills after this; the closing sync then catches anything left.
            await self._stop_user_pump()
            if coordinator is not None:
                await coordinator.account_sync.sync()
            await self.stream.stop()
        finally:
            await self.broker.close()
            self.monitor.set_state("finished")
            self.api.stop()
        if coordinator is None:
            raise RuntimeError("the bot stopped before it started")
        final = coordinator.equity()
        summary = summarize(coordinator.ledger, self._initial_equity, final, coordinator.drawdown)
        self.store.record_event(self.clock.now_ms(), "run_summary", repr(summary))
        self.store.close()
        return summary


def risk_limits(cfg: BotConfig) -> RiskLimits:
    r = cfg.risk
    return RiskLimits(
        max_leverage=r.max_leverage,
        max_order_notional=r.max_order_notional,
        max_symbol_notional=r.max_symbol_notional,
        max_total_notional=r.max_total_notional,
        daily_loss_limit=r.daily_loss_limit,
    )
