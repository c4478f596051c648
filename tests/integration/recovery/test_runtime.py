"""The runtime's side of recovery, in process on the real container: a reconciliation that cannot
complete starts the bot reduce-only with the reason in /health and the next pass that completes
lifts it; a replay restarted on a persistent exchange resumes where its state ends; the test-only
fault hook is inert unless asked for."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot_v2.adapters.replay.clock import ReplayClock
from bot_v2.domain.errors import ConfigError, ExchangeUnavailable
from bot_v2.domain.orders import Order
from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration.builders import PerpsBotBuilder, make_container
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.container import Container
from bot_v2.orchestration.runtime import fault_pause
from bot_v2.orchestration.runtime.resume import advance_clock
from bot_v2.ports.broker import IBroker
from tests.integration._observed import run_observed
from tests.integration.recovery._harness import Rig, make_rig


class FlakyVenue:
    """The sim broker, except that listing open orders (reconciliation's first question) fails
    while `down` is set."""

    def __init__(self, inner: IBroker) -> None:
        self.inner = inner
        self.down = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[Order]:
        if self.down:
            raise ExchangeUnavailable("venue 503 on open orders")
        return await self.inner.fetch_open_orders(symbols)


def container(rig: Rig, *overrides: str) -> Container:
    loaded = load_config("dev", rig.config, {}, ["replay.pace_ms=0", *overrides])
    return make_container(loaded.config, loaded.secrets, rig.data_dir)


def test_an_incomplete_reconciliation_blocks_new_exposure_until_one_completes(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path, candles=300)
    c = container(rig)
    venue = FlakyVenue(c.broker())

    def recover_at_100(report: CycleReport) -> None:
        if report.cycle == 100:
            venue.down = False

    _bot, reports, health = run_observed(c, venue, 200, recover_at_100)
    first = health[0]["reconciliation"]
    assert first["status"] == "failed" and first["reduce_only"] is True
    assert "venue 503 on open orders" in first["reason"]
    assert reports[0].reduce_only_reason.startswith("reconciliation incomplete: venue 503")
    blocked = [r for r in reports if r.cycle <= 100]
    assert all(r.reduce_only_reason for r in blocked)
    assert all(r.orders_total == 0 for r in blocked), "no exposure opened while blocked"
    after = [r for r in reports if r.cycle > 101]
    assert health[-1]["reconciliation"]["status"] == "ok"
    assert not any(r.reduce_only_reason for r in after)
    assert reports[-1].orders_total > 0, "trading resumed once a pass completed"


def test_a_restarted_replay_resumes_where_its_state_ends(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, candles=300)
    first: list[CycleReport] = []
    bot = PerpsBotBuilder(container(rig), write=lambda _: None, observers=[first.append]).build()
    asyncio.run(bot.run(120))
    second: list[CycleReport] = []
    bot = PerpsBotBuilder(container(rig), write=lambda _: None, observers=[second.append]).build()
    asyncio.run(bot.run(10))
    assert second[0].clock_ms == first[-1].clock_ms + 3_600_000
    assert second[0].fills_total == first[-1].fills_total  # the ledger came back from the store
    assert second[0].equity == pytest.approx(first[-1].equity, rel=Decimal("0.05"))


def test_advance_clock_stops_on_the_first_tick_at_or_after_the_target() -> None:
    clock = ReplayClock([10, 20, 30, 40])
    assert asyncio.run(advance_clock(clock, 25)) == 3 and clock.now_ms() == 30
    assert asyncio.run(advance_clock(clock, 0)) == 0
    fresh = ReplayClock([10, 20, 30])
    assert asyncio.run(advance_clock(fresh, 10)) == 1 and fresh.now_ms() == 10
    assert asyncio.run(advance_clock(ReplayClock([10, 20]), 99)) == 2
    assert asyncio.run(advance_clock(ReplayClock([10, 20]), 5)) == 0
    started = ReplayClock([10, 20, 30])
    asyncio.run(advance_clock(started, 20))
    assert asyncio.run(advance_clock(started, 20)) == 0 and started.now_ms() == 20


def test_the_fault_hook_is_the_broker_itself_unless_asked_for() -> None:
    broker: Any = object()
    assert fault_pause.wrap(broker, {}) is broker
    assert fault_pause.wrap(broker, {"PERPS_FAULT_PAUSE_AFTER": "submit"}) is not broker
    with pytest.raises(ConfigError, match="PERPS_FAULT_PAUSE_AFTER"):
        fault_pause.wrap(broker, {"PERPS_FAULT_PAUSE_AFTER": "sometime"})
