"""The one composition root: every object of a run is built here. Selectors keyed by configuration
swap adapters; the backtest and the tests override providers (`container.broker.override(...)`).

A run's objects: `session` (RunSession: store, operator API, broker, markets, leverage,
reconciliation, ledger; opened and closed by the lifecycle), then, once it is open, the cycle
(`execution`, `orchestrator`, `coordinator`) and `user_pump` from what it holds; `lifecycle` and
`bot` on top. Providers are singletons: one container is one run."""

from __future__ import annotations

import os
from operator import attrgetter

from dependency_injector import containers, providers

from bot_v2.adapters.clock.stop import StopSignal
from bot_v2.adapters.replay.funding_rates import ReplayFundingRates
from bot_v2.adapters.replay.market_data import ReplayMarketData
from bot_v2.adapters.replay.stream import ReplayQuoteStream
from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.features.live_trade.execution import ExecutionCoordinator
from bot_v2.features.live_trade.protection import IntentCloser
from bot_v2.features.live_trade.risk.guard import ProtectionGuard
from bot_v2.features.live_trade.risk.pre_trade import PreTradeRisk
from bot_v2.features.live_trade.risk_context import RiskContextSource
from bot_v2.features.live_trade.strategy_orchestrator import StrategyOrchestrator
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.orchestration import (
    alert_factories,
    api_factories,
    factories,
    paper_factories,
    protection_wiring,
    run_factories,
)
from bot_v2.orchestration.config.models import BotConfig, Secrets
from bot_v2.orchestration.runtime import fault_pause
from bot_v2.orchestration.runtime.control_queue import ControlQueue, SnapshotBoard
from bot_v2.orchestration.runtime.lifecycle import LifecycleService, risk_limits
from bot_v2.orchestration.runtime.perps_bot import PerpsBot
from bot_v2.orchestration.runtime.protection_step import ProtectionStep
from bot_v2.orchestration.runtime.runtime_coordinator import RuntimeCoordinator
from bot_v2.orchestration.runtime.session import RunSession


def _market_kind(config: BotConfig) -> str:
    """The sim exchange replays recorded data with its own clock; every other venue is live."""
    return "replay" if config.broker.kind == "sim" else "live"


def _setting(config: providers.Provider[BotConfig], path: str) -> providers.Provider[object]:
    """One configuration value, by its dotted path (`risk.kill_switch`)."""
    return providers.Callable(attrgetter(path), config)


def _ms(config: providers.Provider[BotConfig], path: str) -> providers.Provider[int]:
    """A configuration duration in seconds, as whole milliseconds."""
    return providers.Callable(lambda c: int(attrgetter(path)(c) * 1000), config)


class Container(containers.DeclarativeContainer):
    config = providers.Dependency(instance_of=BotConfig)
    secrets = providers.Dependency(instance_of=Secrets)
    data_dir = providers.Dependency()

    market_kind = providers.Callable(_market_kind, config)
    broker_kind = providers.Callable(lambda c: c.broker.kind, config)

    replay_feed = providers.Singleton(factories.replay_feed, config)
    # The run's stop request: the bot sets it; the clock's and the broker's waits end on it.
    stop = providers.Singleton(StopSignal)

    clock = providers.Selector(
        market_kind,
        replay=providers.Singleton(factories.replay_clock, config, replay_feed, stop),
        live=providers.Singleton(factories.live_clock, config, stop),
    )

    # paper: the venue's public market data, built without credentials (it cannot sign).
    public_data = providers.Singleton(paper_factories.public_market_data, config, stop)

    broker = providers.Selector(
        broker_kind,
        sim=providers.Singleton(factories.sim_broker, config, replay_feed, clock),
        ccxt=providers.Singleton(factories.ccxt_broker, config, secrets, stop),
        paper=providers.Singleton(paper_factories.paper_broker, config, public_data, data_dir),
    )

    # Request/response market data: the replay answers for the sim; a live venue's broker does,
    # and its public data for a paper bot.
    market_data_source = providers.Selector(
        market_kind,
        replay=providers.Singleton(ReplayMarketData, replay_feed, clock),
        live=providers.Selector(broker_kind, ccxt=broker, paper=public_data),
    )

    # The funding guard's rates: the replay's last settled rate; the venue's (public) next rate.
    funding_rates = providers.Selector(
        market_kind,
        replay=providers.Singleton(ReplayFundingRates, replay_feed, clock),
        live=providers.Selector(broker_kind, ccxt=broker, paper=public_data),
    )

    stream = providers.Selector(
        market_kind,
        replay=providers.Singleton(ReplayQuoteStream, replay_feed, clock),
        live=providers.Singleton(factories.live_stream, config, market_data_source),
    )

    # Orders and fills pushed by the venue; none in a replay (the sim books fills through REST-like
    # calls), None where the venue has no private stream or streaming.user_stream is off.
    user_stream = providers.Selector(
        market_kind,
        replay=providers.Object(None),
        live=providers.Singleton(factories.user_stream, config, broker),
    )

    # The stream's metrics join the monitor's registry; a backtest overrides it (QuietMonitor).
    monitor = providers.Singleton(run_factories.system_monitor, config, stream, user_stream)
    # The process environment: the API's tokens, and the crash tests' fault hooks (order_broker).
    environ = providers.Object(os.environ)
    # Between the operator API's thread and the trading loop: controls in, snapshots out.
    control_queue = providers.Singleton(ControlQueue)
    snapshot_board = providers.Singleton(SnapshotBoard)
    # Alerts (None without alerts.notifiers): the notifiers' workers, started when built; the CLI
    # closes them. They hear the journal: the store is wrapped so what it records raises alerts.
    alerts = providers.Singleton(
        alert_factories.alerts, config, secrets, monitor, stream, user_stream
    )
    store = providers.Singleton(
        alert_factories.journaled,
        providers.Singleton(SqliteStateStore, providers.Callable(factories.state_path, data_dir)),
        alerts,
        config,
    )
    api = providers.Singleton(
        api_factories.operator_api,
        config,
        secrets,
        monitor,
        environ,
        control_queue,
        snapshot_board,
        data_dir,
    )
    market_data = providers.Singleton(
        MarketDataService,
        providers.Callable(lambda c: c.bot.symbols, config),
        providers.Callable(factories.timeframe_ms, config),
    )
    strategy = providers.Singleton(factories.strategy, config)

    # -- the run ----------------------------------------------------------------------------------
    # Where lines for the operator go, and extra listeners for every cycle's report (benchmarks,
    # backtest reports): PerpsBotBuilder overrides both.
    write = providers.Object(print)
    observers = providers.Object(())
    on_report = providers.Singleton(
        run_factories.report_fanout,
        providers.Singleton(run_factories.progress, config, write),
        observers,
    )
    announce = providers.Singleton(run_factories.announcer, config, data_dir, write)
    limits = providers.Singleton(risk_limits, config)
    protections = providers.Singleton(protection_wiring.protections, config)

    session = providers.Singleton(
        RunSession,
        config=config,
        symbols=market_data.provided.symbols,
        clock=clock,
        broker=broker,
        store=store,
        api=api,
        monitor=monitor,
        announce=announce,
    )

    # Orders go to the broker itself, unless the crash tests' fault hooks are set in the
    # environment (fault_pause: unset in any real run; a backtest overrides `environ` with {}).
    order_broker = providers.Singleton(fault_pause.wrap, broker, environ)

    # Built by the lifecycle once the session is open: they read its markets, ledger and sync.
    execution = providers.Singleton(
        ExecutionCoordinator,
        bot_id=_setting(config, "bot.id"),
        broker=order_broker,
        store=store,
        risk=providers.Singleton(PreTradeRisk, limits),
        markets=session.provided.markets,
        first_sequence=providers.Callable(run_factories.first_sequence, store),
    )
    # [strategy.entry] kind = "maker": the desk the execution hands opening legs to; else None.
    entries = providers.Singleton(
        run_factories.maker_desk,
        config,
        execution,
        broker,
        order_broker,
        store,
        session.provided.markets,
    )
    # The cycle's one view of the account for risk: the strategies ask it, nothing calls back up.
    risk_context = providers.Singleton(
        RiskContextSource,
        ledger=session.provided.ledger,
        marks=market_data,
        store=store,
        clock=clock,
        limits=limits,
        kill_switch=_setting(config, "risk.kill_switch"),
        max_mark_staleness_ms=_ms(config, "risk.max_mark_staleness_s"),
        protections=protections,
        candles=market_data,
        atr_window=_setting(config, "strategy.sizing.atr_window"),
        funding=funding_rates,
    )
    orchestrator = providers.Singleton(
        StrategyOrchestrator,
        strategy,
        execution,
        session.provided.markets,
        _setting(config, "strategy.position_fraction"),
        _setting(config, "strategy.leverage"),
        account=session.provided.sync,
        risk=risk_context,
        sizer=providers.Singleton(
            protection_wiring.sizer, config, limits, session.provided.ledger, market_data
        ),
        funding=funding_rates,
    )
    guards = providers.Singleton(
        ProtectionStep,
        guard=providers.Singleton(ProtectionGuard, protections),
        risk_context=risk_context,
        ledger=session.provided.ledger,
        execution=execution,
        store=store,
        monitor=monitor,
    )
    # Applies the operator's controls between cycles; a backtest overrides it with None.
    control_desk = providers.Singleton(
        api_factories.control_desk,
        providers.Singleton(api_factories.control_metrics, monitor),
        config=config,
        queue=control_queue,
        board=snapshot_board,
        risk_context=risk_context,
        execution=execution,
        orchestrator=orchestrator,
        account_sync=session.provided.sync,
        market_data=market_data,
        broker=order_broker,
        store=store,
        on_slots=providers.Callable(api_factories.slots_detail, monitor),
    )
    # Bot-side exits close through the intent path; the venue holds the stops and take-profits.
    closer = providers.Singleton(
        IntentCloser, execution, risk_context, session.provided.sync, store
    )
    exit_planner = providers.Singleton(run_factories.exit_planner, config, session.provided.markets)
    protection = providers.Singleton(
        run_factories.protection,
        config,
        order_broker,
        store,
        session.provided.markets,
        exit_planner,
        closer,
        risk_context,
        monitor,
    )
    coordinator = providers.Singleton(
        RuntimeCoordinator,
        clock=clock,
        stream=stream,
        market_data=market_data,
        ledger=session.provided.ledger,
        account_sync=session.provided.sync,
        strategies=orchestrator,
        execution=execution,
        store=store,
        monitor=monitor,
        risk_context=risk_context,
        on_report=on_report,
        reconciler=session.provided.reconciler,
        reconcile_interval_ms=_ms(config, "reconciliation.interval_s"),
        reconcile_pending_timeout_ms=_ms(config, "reconciliation.pending_timeout_s"),
        controls=control_desk,
        guards=guards,
        protection=protection,
        entries=entries,
        liquidation_alarm=providers.Singleton(
            alert_factories.liquidation_alarm, config, session.provided.ledger, risk_context, store
        ),
    )
    user_pump = providers.Singleton(run_factories.user_pump, user_stream, session, monitor)

    lifecycle = providers.Singleton(
        LifecycleService,
        config=config,
        session=session,
        clock=clock,
        stream=stream,
        monitor=monitor,
        strategy=strategy,
        market_data=market_data,
        cycle=coordinator.provider,
        user_pump=user_pump.provider,
        market_source=market_data_source,
        user_stream=user_stream,
    )
    bot = providers.Singleton(PerpsBot, _setting(config, "profile"), lifecycle, stop=stop)
