"""Reduce-only and the kill switch set at run time outlive the process (in process, on the real
container and SQLite file); reduce-only from config is not stored (config is read at every start); the
equity peak and drawdown come back from the store."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration.builders import PerpsBotBuilder, make_container
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.runtime.perps_bot import PerpsBot
from tests.integration.recovery._harness import Rig, make_rig


def bot(
    rig: Rig,
    reports: list[CycleReport],
    *overrides: str,
    at_cycle: tuple[int, Callable[[PerpsBot], None]] | None = None,
) -> PerpsBot:
    """A bot on the rig; `at_cycle` = (n, act): act on the bot once cycle n reported."""
    loaded = load_config("dev", rig.config, {}, ["replay.pace_ms=0", *overrides])
    container = make_container(loaded.config, loaded.secrets, rig.data_dir)
    built: list[PerpsBot] = []

    def observe(report: CycleReport) -> None:
        reports.append(report)
        if at_cycle is not None and report.cycle == at_cycle[0]:
            at_cycle[1](built[0])

    built.append(PerpsBotBuilder(container, write=lambda _: None, observers=[observe]).build())
    return built[0]


def opening_intents_after(rig: Rig, clock_ms: int) -> list[str]:
    db = sqlite3.connect(rig.state_db)
    try:
        found = db.execute(
            "SELECT client_order_id FROM intents WHERE reduce_only=0 AND created_ms > ?",
            (clock_ms,),
        ).fetchall()
    finally:
        db.close()
    return [str(r[0]) for r in found]


def test_reduce_only_set_at_run_time_holds_after_a_restart_and_configs_does_not(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path, candles=300)
    before: list[CycleReport] = []
    asyncio.run(bot(rig, before).run(20))
    assert opening_intents_after(rig, 0), "the first run traded before the ban"
    first: list[CycleReport] = []
    ban = (10, lambda b: b.enter_reduce_only("venue ban (HTTP 418)"))
    asyncio.run(bot(rig, first, "risk.reduce_only=true", at_cycle=ban).run(20))
    assert first[-1].reduce_only_reason == "config.risk.reduce_only is set"

    # Without reduce_only in the config, the ban set at run time still holds.
    second: list[CycleReport] = []
    asyncio.run(bot(rig, second).run(150))
    assert all(r.reduce_only_reason == "venue ban (HTTP 418)" for r in second)
    assert opening_intents_after(rig, before[-1].clock_ms) == []
    assert second[-1].risk_rejections > 0, "the strategy asked to open (else this proves nothing)"


def test_a_kill_switch_and_the_drawdown_outlive_the_process(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, candles=300)
    first: list[CycleReport] = []
    running = bot(rig, first)
    asyncio.run(running.run(120))
    coordinator = running._lifecycle.coordinator
    assert coordinator is not None
    drawdown = coordinator.drawdown
    assert drawdown.max_drawdown > 0

    second: list[CycleReport] = []
    kill = (1, lambda b: b.engage_kill_switch("operator took over"))
    restarted = bot(rig, second, at_cycle=kill)
    asyncio.run(restarted.run(5))
    resumed = restarted._lifecycle.coordinator
    assert resumed is not None
    # The peak and the worst drawdown so far came back; later cycles only extend them.
    assert resumed.drawdown.max_drawdown >= drawdown.max_drawdown
    assert resumed.drawdown.peak is not None and resumed.drawdown.peak >= (drawdown.peak or 0)

    third: list[CycleReport] = []
    asyncio.run(bot(rig, third).run(100))
    assert all(r.reduce_only_reason == "operator took over" for r in third)
    assert third[-1].orders_total == 0, "nothing at all is sent under the kill switch"
    assert third[-1].risk_rejections > 0
