"""BacktestRuntime implements IBotRuntime for the fast backtest loop, which drives the cycle itself
(step mode uses PerpsBot)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class BacktestRuntime:
    def __init__(self, profile: str) -> None:
        self._profile = profile
        self.cycle_count = 0
        self.reduce_only_reason = ""
        self.stop_reason = ""

    @property
    def profile(self) -> str:
        return self._profile

    @property
    def reduce_only(self) -> bool:
        return bool(self.reduce_only_reason)

    def enter_reduce_only(self, reason: str) -> None:
        if not self.reduce_only_reason:
            log.warning("entering reduce-only mode: %s", reason)
            self.reduce_only_reason = reason

    def request_stop(self, reason: str) -> None:
        if not self.stop_reason:
            self.stop_reason = reason
