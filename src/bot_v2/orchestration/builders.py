"""PerpsBotBuilder assembles a PerpsBot from the container. Tests call it with providers overridden."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from bot_v2.features.streaming.service import StreamingService
from bot_v2.monitoring.progress import ProgressPrinter
from bot_v2.monitoring.reports import CycleReport
from bot_v2.monitoring.stream_metrics import StreamStatsCollector
from bot_v2.orchestration.config import LoadedConfig, require_secrets, resolve_data_dir
from bot_v2.orchestration.config.models import BotConfig, Secrets
from bot_v2.orchestration.container import Container
from bot_v2.orchestration.runtime.lifecycle import LifecycleService
from bot_v2.orchestration.runtime.perps_bot import PerpsBot


def container_for(loaded: LoadedConfig) -> Container:
    """A container for one-shot commands (account snapshot, orders preview)."""
    require_secrets(loaded)
    return make_container(loaded.config, loaded.secrets, resolve_data_dir(loaded.config))


def make_container(config: BotConfig, secrets: Secrets, data_dir: Path) -> Container:
    container = Container(config=config, secrets=secrets, data_dir=data_dir)
    container.check_dependencies()
    return container


class PerpsBotBuilder:
    def __init__(
        self,
        container: Container,
        write: Callable[[str], None] = print,
        observers: Sequence[Callable[[CycleReport], None]] = (),
    ) -> None:
        self._container = container
        self._write = write
        # Extra listeners for every cycle's report (benchmarks, backtest reports).
        self._observers = tuple(observers)

    def build(self) -> PerpsBot:
        c = self._container
        config: BotConfig = c.config()
        progress = ProgressPrinter(float(config.monitoring.status_interval_s), self._write)
        data_dir = Path(c.data_dir())

        def on_started(address: str) -> None:
            (data_dir / "http.addr").write_text(address + "\n")
            self._write(
                f"perps-bot {config.profile}: health {address}/health  metrics {address}/metrics"
            )

        def on_report(report: CycleReport) -> None:
            progress.on_cycle(report)
            for observer in self._observers:
                observer(report)

        stream = c.stream()
        user_stream = c.user_stream()
        # One collector for every websocket stream: the series share names, `venue` tells them apart
        # (a replay has none, and an empty collector yields nothing).
        metrics = StreamStatsCollector()
        for streaming in (stream, user_stream):
            if isinstance(streaming, StreamingService):
                metrics.add(streaming.name, streaming.stats)
        c.monitor().registry.register(metrics)

        lifecycle = LifecycleService(
            config=config,
            clock=c.clock(),
            broker=c.broker(),
            stream=stream,
            user_stream=user_stream,
            store=c.store(),
            monitor=c.monitor(),
            api=c.api(),
            strategy=c.strategy(),
            market_data=c.market_data(),
            market_source=c.market_data_source(),
            on_report=on_report,
            on_started=on_started,
        )
        return PerpsBot(config.profile, lifecycle, stop=c.stop())
