"""The real bot run in process on a container whose broker a test has wrapped, recording each
cycle's report and the /health document right after it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from dependency_injector import providers

from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration.builders import PerpsBotBuilder
from bot_v2.orchestration.container import Container


def run_observed(
    c: Container,
    broker: object,
    cycles: int,
    after_cycle: Callable[[CycleReport], None] = lambda _: None,
) -> tuple[Any, list[CycleReport], list[dict[str, Any]]]:
    """Runs `cycles` cycles with `broker` in place of the container's; `after_cycle` sees each
    report once it and its /health are recorded. Returns the bot, the reports and the healths."""
    c.broker.override(providers.Object(broker))
    reports: list[CycleReport] = []
    health: list[dict[str, Any]] = []

    def observe(report: CycleReport) -> None:
        reports.append(report)
        health.append(c.monitor().health()[1])
        after_cycle(report)

    bot = PerpsBotBuilder(c, write=lambda _: None, observers=[observe]).build()
    asyncio.run(bot.run(cycles))
    return bot, reports, health
