"""PerpsBotBuilder gives the container's PerpsBot. Tests call it with providers overridden."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from dependency_injector import providers

from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration.config import LoadedConfig, require_secrets, resolve_data_dir
from bot_v2.orchestration.config.models import BotConfig, Secrets
from bot_v2.orchestration.container import Container
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
    """The container's `bot`, with where its lines go and who else hears every cycle's report."""

    def __init__(
        self,
        container: Container,
        write: Callable[[str], None] = print,
        observers: Sequence[Callable[[CycleReport], None]] = (),
    ) -> None:
        self._container = container
        self._write = write
        self._observers = tuple(observers)

    def build(self) -> PerpsBot:
        c = self._container
        c.write.override(providers.Object(self._write))
        c.observers.override(providers.Object(self._observers))
        bot: PerpsBot = c.bot()
        return bot
