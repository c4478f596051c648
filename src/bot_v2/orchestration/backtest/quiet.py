"""Stand-ins for the operator API and the Prometheus monitor: a backtest serves nobody over HTTP and
keeps no metrics registry, it only needs the calls to succeed."""

from __future__ import annotations

from typing import Any

from bot_v2.monitoring.reports import CycleReport


class NoApi:
    address = "(no operator API in a backtest)"

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None


class QuietMonitor:
    def __init__(self) -> None:
        self.state = "starting"
        self.details: dict[str, Any] = {}
        self.errors: dict[str, int] = {}
        self.protections: dict[str, int] = {}
        self.last: CycleReport | None = None

    def set_state(self, state: str) -> None:
        self.state = state

    def set_detail(self, key: str, value: Any) -> None:
        self.details[key] = value

    def on_error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def on_cycle_failed(self, reason: str) -> None:
        return None  # a backtest has nobody asking /health

    def on_protection(self, kind: str) -> None:
        self.protections[kind] = self.protections.get(kind, 0) + 1

    def on_cycle(self, report: CycleReport) -> None:
        self.last = report
