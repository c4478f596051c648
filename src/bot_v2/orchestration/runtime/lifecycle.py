"""LifecycleService starts a run and stops it cleanly with a summary, whatever ended it. It builds
nothing: the container hands it the run's session (store, operator API, broker, markets,
reconciliation, ledger: see RunSession) and the providers of the cycle and of the user stream pump,
which it calls once the session is open.

Start: open the session (reconciled before the ledger is built), warm the strategy up, start the
market stream and the user stream pump, then build the cycle. A reconciliation that cannot complete
starts the bot reduce-only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.performance import RunSummary, summarize
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.features.streaming.service import StreamingService
from bot_v2.orchestration.config.converter import runtime_value
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.runtime.resume import warm_up, warm_up_live
from bot_v2.orchestration.runtime.runtime_coordinator import RuntimeCoordinator
from bot_v2.orchestration.runtime.session import RunSession
from bot_v2.orchestration.runtime.user_stream_pump import UserStreamPump
from bot_v2.ports.clock import IClock
from bot_v2.ports.market_data import IMarketData
from bot_v2.ports.monitor import IMonitor
from bot_v2.ports.quote_stream import IQuoteStream
from bot_v2.ports.runtime import IBotRuntime

log = logging.getLogger(__name__)


class LifecycleService:
    def __init__(
        self,
        *,
        config: BotConfig,
        session: RunSession,
        clock: IClock,
        stream: IQuoteStream,
        monitor: IMonitor,
        strategy: Strategy,
        market_data: MarketDataService,
        cycle: Callable[[], RuntimeCoordinator],
        user_pump: Callable[[], UserStreamPump | None] = lambda: None,
        market_source: IMarketData | None = None,
        user_stream: StreamingService | None = None,
    ) -> None:
        self.config = config
        self.session = session
        self.clock = clock
        self.stream = stream
        self.store = session.store
        self.monitor = monitor
        self.strategy = strategy
        self.market_data = market_data
        # Request/response market data for a live start's warm-up (replays warm up from the feed).
        self.market_source = market_source
        # The venue's private stream (fills as they happen), when it has one; see UserStreamPump.
        self.user_stream = user_stream
        self._cycle = cycle
        self._user_pump = user_pump
        self.user_pump: UserStreamPump | None = None
        self.coordinator: RuntimeCoordinator | None = None
        self._initial_equity = Decimal(0)

    async def start(self, runtime: IBotRuntime) -> RuntimeCoordinator:
        try:
            return await self._start(runtime)
        except BaseException:
            # Leave nothing half-open behind a failed start: no listening port, no open session.
            await self._stop_user_pump()
            await self.session.disconnect()
            self.session.close()
            raise

    async def _start(self, runtime: IBotRuntime) -> RuntimeCoordinator:
        session = self.session
        await session.open()
        ledger = session.ledger
        if self.clock.progress() is None and self.market_source is not None:
            warmed = await warm_up_live(self.market_source, self.market_data, self.strategy, ledger)
            log.info("warmed up on %d closed candles from the venue", warmed)
        await self.stream.start(self.market_data.symbols)
        # Built once the ledger exists: its first connect resyncs fills over REST.
        self.user_pump = self._user_pump()
        if self.user_pump is not None:
            await self.user_pump.start()
        if session.resumed:
            warmed = warm_up(self.stream, self.market_data, self.strategy, ledger)
            log.info(
                "resumed a replay after %d ticks; %d candles warmed up", session.resumed, warmed
            )
        self.coordinator = self._cycle()
        assert session.report is not None
        self.coordinator.accept_reconciliation(session.report)
        # Before the first cycle waits: every open position's stop checked against the venue.
        await self.coordinator.protect(self.clock.now_ms())
        if self.config.risk.reduce_only:
            runtime.enter_reduce_only("config.risk.reduce_only is set")
        self._initial_equity = ledger.cash
        self.monitor.set_state("running")
        return self.coordinator

    async def _stop_user_pump(self) -> None:
        pump, self.user_pump = self.user_pump, None
        if pump is None:
            return
        try:
            await pump.stop()
        except Exception as exc:  # stopping must not mask why we stop, nor skip the closing sync
            log.warning("user stream stop: %s: %s", type(exc).__name__, exc)

    async def stop(self, runtime: IBotRuntime) -> RunSummary:
        coordinator = self.coordinator
        try:
            # No more pushed fills after this; the closing sync then catches anything left.
            await self._stop_user_pump()
            if coordinator is not None:
                await coordinator.account_sync.sync()
            await self.stream.stop()
        finally:
            self.monitor.set_state("finished")
            await self.session.disconnect()
        if coordinator is None:
            raise RuntimeError("the bot stopped before it started")
        final = coordinator.equity()
        summary = summarize(coordinator.ledger, self._initial_equity, final, coordinator.drawdown)
        self.store.record_event(self.clock.now_ms(), "run_summary", repr(summary))
        self.session.close()
        return summary


def risk_limits(cfg: BotConfig) -> RiskLimits:
    return runtime_value(cfg.risk, RiskLimits)
