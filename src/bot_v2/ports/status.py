"""IStatusSource: what the operator API serves. Monitoring implements it, the HTTP adapter reads it."""

from __future__ import annotations

from typing import Any, Protocol


class IStatusSource(Protocol):
    def health(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, JSON-ready details)."""

    def metrics_text(self) -> tuple[bytes, str]:
        """(body, content type) in Prometheus text format."""
