"""ProtectionStep, the cycle's protections with their effects: a protection that acts is stored
before anything relies on it, journaled, counted in /metrics and shown in /health."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal

import attrs

from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.performance import Drawdown
from bot_v2.features.live_trade.risk.guard import ProtectionGuard
from bot_v2.features.live_trade.risk.protections import Protections
from bot_v2.features.live_trade.risk.state_keeper import load_risk_state
from bot_v2.features.live_trade.risk_context import RiskContextSource
from bot_v2.monitoring.system_monitor import SystemMonitor
from bot_v2.orchestration.runtime.protection_step import ProtectionStep
from tests.fakes.ports import FakeStore

D = Decimal
NOW = 1_704_067_200_000
LIMITS = RiskLimits(D(5), D(10**6), D(10**6), D(10**6), D(10**6))


@attrs.define
class Marks:
    marks_version: int = 1

    def mark_prices(self) -> Mapping[str, Decimal]:
        return {}

    def mark_ages_ms(self, now_ms: int) -> Mapping[str, int | None]:
        return {}


class Clock:
    def now_ms(self) -> int:
        return NOW


def test_a_drawdown_halt_is_stored_journaled_counted_and_shown() -> None:
    store, monitor = FakeStore(), SystemMonitor("dev", "bot")
    protections = Protections(max_drawdown_pct=D("0.2"))
    source = RiskContextSource(
        ledger=Ledger(D(1000)),
        marks=Marks(),
        store=store,
        clock=Clock(),  # type: ignore[arg-type]
        limits=LIMITS,
        kill_switch=False,
        max_mark_staleness_ms=60_000,
        protections=protections,
    )
    source.keep(attrs.evolve(source.state, drawdown=Drawdown(peak=D(1300))))
    step = ProtectionStep(
        guard=ProtectionGuard(protections),
        risk_context=source,
        ledger=source.ledger,
        execution=None,  # type: ignore[arg-type]  # flat: nothing to send
        store=store,
        monitor=monitor,
    )
    asyncio.run(step.run(NOW))

    assert "drawdown 23.08%" in load_risk_state(store).guards.halt
    assert [e[1:] for e in store.events if e[1] == "protection"] == [
        ("protection", f"drawdown_halt: {source.state.guards.halt}")
    ]
    text = monitor.metrics_text()[0].decode()
    assert 'perps_protection_actions_total{kind="drawdown_halt"} 1.0' in text
    _, health = monitor.health()
    assert health["protections"]["drawdown_halt"] == source.state.guards.halt
    assert health["protections"]["resume"] == "perps-bot risk clear --drawdown-halt"
    # A second cycle acts no more: counted once.
    asyncio.run(step.run(NOW + 1))
    assert (
        'perps_protection_actions_total{kind="drawdown_halt"} 1.0'
        in monitor.metrics_text()[0].decode()
    )
