"""INotifier: alerts for an operator (log, chat, pager)."""

from __future__ import annotations

from typing import Protocol


class INotifier(Protocol):
    def notify(self, level: str, message: str) -> None: ...
