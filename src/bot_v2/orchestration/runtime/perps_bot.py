"""PerpsBot implements IBotRuntime. It owns the run's flags and wires the cycle; the work itself is
done by the LifecycleService (start, stop) and the RuntimeCoordinator (one cycle)."""

from __future__ import annotations

import asyncio
import logging

from bot_v2.features.live_trade.performance import RunSummary
from bot_v2.orchestration.runtime.lifecycle import LifecycleService

log = logging.getLogger(__name__)


class PerpsBot:
    def __init__(
        self,
        profile: str,
        lifecycle: LifecycleService,
    ) -> None:
        self._profile = profile
        self._lifecycle = lifecycle
        self._cycle_count = 0
        self._reduce_only_reason = ""
        self._stop_reason = ""

    # -- IBotRuntime --------------------------------------------------------------------------
    @property
    def profile(self) -> str:
        return self._profile

    @property
    def cycle_count(self) -> int:
        return self._cycle_count

    @property
    def reduce_only(self) -> bool:
        return bool(self._reduce_only_reason)

    @property
    def reduce_only_reason(self) -> str:
        return self._reduce_only_reason

    def enter_reduce_only(self, reason: str) -> None:
        if not self._reduce_only_reason:
            log.warning("entering reduce-only mode: %s", reason)
            self._reduce_only_reason = reason

    def request_stop(self, reason: str) -> None:
        if not self._stop_reason:
            self._stop_reason = reason

    @property
    def stop_reason(self) -> str:
        return self._stop_reason

    # -- running ------------------------------------------------------------------------------
    async def run(self, max_cycles: int | None = None) -> RunSummary:
        coordinator = await self._lifecycle.start(self)
        try:
            while not self._stop_reason:
                if max_cycles is not None and self._cycle_count >= max_cycles:
                    self.request_stop(f"--cycles {max_cycles} reached")
                    break
                if not await self._lifecycle.clock.wait_next():
                    self.request_stop("replay finished")
                    break
                await coordinator.run_cycle(self)
                self._cycle_count += 1
        except asyncio.CancelledError:
            self.request_stop("interrupted")
        finally:
            summary = await self._lifecycle.stop(self)
        return summary
