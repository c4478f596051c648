"""IMonitor and IOperatorApi: what the run's start, stop and cycle ask of monitoring and of the
operator API. SystemMonitor and OperatorApiServer implement them; a backtest passes quiet stand-ins."""

from __future__ import annotations

from typing import Any, Protocol


class IMonitor(Protocol):
    def set_state(self, state: str) -> None:
        """The run's state as /health shows it (starting, running, finished)."""

    def set_detail(self, key: str, value: Any) -> None:
        """One named detail of /health (reconciliation, risk state, daily loss ...)."""

    def on_cycle(self, report: Any) -> None:
        """A completed cycle's report (monitoring's CycleReport, which ports cannot name)."""

    def on_error(self, kind: str) -> None:
        """Count one error of `kind`."""

    def on_cycle_failed(self, reason: str) -> None:
        """A cycle the venue cost the run."""

    def on_protection(self, kind: str) -> None:
        """Count one action of a portfolio protection (drawdown_halt, circuit_breaker ...)."""


class IOperatorApi(Protocol):
    @property
    def address(self) -> str:
        """Where it listens, once started (http://host:port)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...
