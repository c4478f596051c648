"""Factory functions the container calls for a run's own objects (the adapters' are in
factories.py): the monitor with its stream metrics, the report fan-out, the start announcement,
the user stream pump and the first order sequence."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bot_v2.domain.errors import ConfigError
from bot_v2.domain.market import MarketSpec
from bot_v2.domain.orders import TriggerPrice
from bot_v2.features.live_trade.execution import ExecutionCoordinator
from bot_v2.features.live_trade.maker import EntrySettings, MakerDesk
from bot_v2.features.live_trade.protection import FailurePolicy, ProtectionService, Settings
from bot_v2.features.live_trade.protection.planner import ExitsPlanner
from bot_v2.features.live_trade.protection.ports import Closer, ExitPlanner, RiskHolder
from bot_v2.features.live_trade.reconciliation.service import SEQUENCE_FLOOR_KEY
from bot_v2.features.streaming.service import StreamingService
from bot_v2.monitoring.progress import ProgressPrinter
from bot_v2.monitoring.protection_metrics import ProtectionCollector
from bot_v2.monitoring.reports import CycleReport
from bot_v2.monitoring.stream_metrics import StreamStatsCollector
from bot_v2.monitoring.system_monitor import SystemMonitor
from bot_v2.orchestration.config.converter import runtime_value
from bot_v2.orchestration.config.exits import exit_settings
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.runtime.session import RunSession
from bot_v2.orchestration.runtime.user_stream_pump import UserStreamPump
from bot_v2.ports.broker import IBroker
from bot_v2.ports.monitor import IMonitor
from bot_v2.ports.quote_stream import IQuoteStream
from bot_v2.ports.state_store import IStateStore
from bot_v2.ports.touch import ITouch

log = logging.getLogger(__name__)
Write = Callable[[str], None]
Observer = Callable[[CycleReport], None]


def system_monitor(
    config: BotConfig, stream: IQuoteStream, user_stream: StreamingService | None
) -> SystemMonitor:
    monitor = SystemMonitor(
        config.profile,
        config.bot.id,
        unhealthy_after_failed_cycles=config.monitoring.unhealthy_after_failed_cycles,
    )
    # One collector for every websocket stream: the series share names, `venue` tells them apart
    # (a replay has none, and an empty collector yields nothing).
    metrics = StreamStatsCollector()
    for streaming in (stream, user_stream):
        if isinstance(streaming, StreamingService):
            metrics.add(streaming.name, streaming.stats)
    monitor.registry.register(metrics)
    return monitor


def progress(config: BotConfig, write: Write) -> ProgressPrinter:
    return ProgressPrinter(float(config.monitoring.status_interval_s), write)


def report_fanout(printer: ProgressPrinter, observers: Sequence[Observer]) -> Observer:
    """Every cycle's report to the progress line, then to the extra listeners (benchmarks,
    backtest reports)."""
    listeners = tuple(observers)

    def on_report(report: CycleReport) -> None:
        printer.on_cycle(report)
        for observer in listeners:
            observer(report)

    return on_report


def announcer(config: BotConfig, data_dir: Path, write: Write) -> Write:
    """Told the operator API's address once it listens: kept in the data directory, printed."""

    def on_started(address: str) -> None:
        (Path(data_dir) / "http.addr").write_text(address + "\n")
        write(f"perps-bot {config.profile}: health {address}/health  metrics {address}/metrics")

    return on_started


def user_pump(
    user_stream: StreamingService | None, session: RunSession, monitor: IMonitor
) -> UserStreamPump | None:
    """Built once the session is open: the pump books into its AccountSync."""
    if user_stream is None:
        return None
    assert session.sync is not None
    return UserStreamPump(user_stream, session.sync, monitor.on_error)


def first_sequence(store: IStateStore) -> int:
    """The next order's sequence: past every decision stored and the floor reconciliation set."""
    floor = int(store.get_meta(SEQUENCE_FLOOR_KEY) or 0)
    return max(store.decision_count(), floor)


def exit_planner(config: BotConfig, markets: dict[str, MarketSpec]) -> ExitPlanner:
    """The strategy's exits (`[strategy.exits]`) over the session's markets."""
    return ExitsPlanner(exit_settings(config.strategy), markets)


def protection(
    config: BotConfig,
    broker: IBroker,
    store: IStateStore,
    markets: dict[str, MarketSpec],
    planner: ExitPlanner | None,
    closer: Closer,
    risk: RiskHolder,
    monitor: IMonitor,
) -> ProtectionService:
    """The venue-held stops, built once the session is open (its markets); every broker holds
    protective orders (IBroker includes IProtectiveOrders). Its counts join the monitor's /metrics."""
    section = config.protection
    settings = Settings(
        bot_id=config.bot.id,
        trigger_by=TriggerPrice(section.trigger_price),
        placement_tries=section.placement_tries,
        on_stop_failure=FailurePolicy(section.on_stop_failure),
    )
    service = ProtectionService(
        broker,
        store,
        markets,
        settings,
        planner=planner,
        closer=closer,
        risk=risk,
        monitor=monitor,
        lookup=broker.fetch_order,
    )
    registry = getattr(monitor, "registry", None)
    if registry is not None:
        registry.register(ProtectionCollector(lambda: service.stats))
    return service


def maker_desk(
    config: BotConfig,
    execution: ExecutionCoordinator,
    broker: IBroker,
    order_broker: IBroker,
    store: IStateStore,
    markets: Mapping[str, MarketSpec],
) -> MakerDesk | None:
    """[strategy.entry] kind = "maker": the desk that places the execution's opening legs; None
    for market entries. Orders go through `order_broker` (the crash tests' fault hooks), the
    touch is asked of the broker itself."""
    settings = runtime_value(config.strategy.entry, EntrySettings)
    if not settings.maker:
        return None
    if not isinstance(broker, ITouch):
        raise ConfigError(
            [
                f"strategy.entry.kind: maker needs a broker that tells the touch, not {config.broker.kind}"
            ]
        )
    desk = MakerDesk(settings, execution, order_broker, broker, store, markets)
    execution.entries = desk
    return desk
