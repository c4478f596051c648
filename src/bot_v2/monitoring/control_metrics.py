"""The operator's controls and switches as Prometheus series, in the monitor's registry: a scrape
of /metrics tells what /health and /api/v1/status tell."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from bot_v2.ports.control import Flags


class ControlMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.controls = Counter(
            "perps_controls",
            "Operator controls applied between cycles, by action and outcome",
            ["action", "status"],
            registry=registry,
        )
        self.paused = Gauge("perps_paused", "1 while an operator paused entries", registry=registry)
        self.kill_switch = Gauge(
            "perps_kill_switch", "1 while the kill switch holds every order", registry=registry
        )
        self.day_halt = Gauge(
            "perps_day_halted", "1 while the day's loss limit halts entries", registry=registry
        )

    def on_control(self, action: str, status: str) -> None:
        self.controls.labels(action=action, status=status).inc()

    def on_flags(self, flags: Flags) -> None:
        self.paused.set(1 if flags.paused else 0)
        self.kill_switch.set(1 if flags.kill_switch else 0)
        self.day_halt.set(1 if flags.day_halt else 0)
