"""PerpsBot implements IBotRuntime. It owns the run's flags and wires the cycle; the work itself is
done by the LifecycleService (start, stop) and the RuntimeCoordinator (one cycle)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot_v2.adapters.clock.stop import StopSignal
from bot_v2.domain.errors import ExchangeUnavailable, RateLimited, StopRequested, VenueBanned
from bot_v2.features.live_trade.performance import RunSummary
from bot_v2.orchestration.runtime.collector import cycle_sized_collector
from bot_v2.orchestration.runtime.lifecycle import LifecycleService
from bot_v2.ports.runtime import IBotRuntime

log = logging.getLogger(__name__)


class PerpsBot:
    def __init__(
        self,
        profile: str,
        lifecycle: LifecycleService,
        stop: StopSignal | None = None,
    ) -> None:
        self._profile = profile
        self._lifecycle = lifecycle
        # Shared with the clock and the broker: their waits end when a stop is requested.
        self._stop = stop or StopSignal()
        self._cycle_count = 0
        self._reduce_only_reason = ""
        # While the venue bans us: reduce-only for as long as the ban lasts, never stored (the
        # broker refuses every call until it lifts, so the first cycle that completes ends it).
        self._ban_reason = ""
        # Set by the first cycle a rate limit cost, until a cycle completes: journaled once a run.
        self._rate_limited = False
        self._stop_reason = ""
        self._failed_cycles = 0
        self._running = False

    # -- IBotRuntime --------------------------------------------------------------------------
    @property
    def profile(self) -> str:
        return self._profile

    @property
    def cycle_count(self) -> int:
        return self._cycle_count

    @property
    def reduce_only(self) -> bool:
        return bool(self._reduce_only_reason or self._ban_reason)

    @property
    def reduce_only_reason(self) -> str:
        return self._reduce_only_reason or self._ban_reason

    def enter_reduce_only(self, reason: str) -> None:
        if not self._reduce_only_reason:
            log.warning("entering reduce-only mode: %s", reason)
            self._reduce_only_reason = reason
        coordinator = self._lifecycle.coordinator
        if self._running and coordinator is not None:
            # Set at run time: stored, so a restart keeps it. Config's reduce_only (entered while
            # starting) is not: the config is read again at every start.
            coordinator.hold_reduce_only(reason)

    def engage_kill_switch(self, reason: str) -> None:
        """No new orders at all, closing ones included, until an operator clears it (stored)."""
        log.error("kill switch engaged: %s", reason)
        coordinator = self._lifecycle.coordinator
        if coordinator is None:
            raise RuntimeError("the kill switch is kept by a started bot")
        coordinator.engage_kill_switch(reason)

    def request_stop(self, reason: str) -> None:
        if not self._stop_reason:
            log.info("stopping: %s", reason)
            self._stop_reason = reason
        self._stop.set()

    @property
    def stop_reason(self) -> str:
        return self._stop_reason

    # -- running ------------------------------------------------------------------------------
    async def _cycle(self, run_cycle: Callable[[IBotRuntime], Awaitable[object]]) -> bool:
        """One cycle. A venue that is briefly unreachable or rate-limits us costs this cycle, not
        the run: the next cycle asks again (fills are fetched from the last one seen, so nothing is
        lost), and stale marks already block new entries. Anything else stops the bot."""
        try:
            await run_cycle(self)
        except StopRequested as exc:
            # A wait for the venue that the stop request ended: not a venue fault.
            log.info("cycle cut short: %s", exc)
            return False
        except VenueBanned as exc:
            # The broker refuses every call until the ban lifts; nothing new may open meanwhile.
            self._failed_cycles += 1
            if not self._ban_reason:
                log.error(
                    "ALERT: the venue banned this client; reduce-only until it lifts: %s", exc
                )
                # Journaled (and so alerted) once a ban; the ban itself is never stored.
                self._journal("venue_ban", f"reduce-only until it lifts: {exc}")
            self._ban_reason = f"venue ban: {exc}"
            self._lifecycle.monitor.on_error("venue_banned")
            self._lifecycle.monitor.on_cycle_failed(self._ban_reason)
            return False
        except (ExchangeUnavailable, RateLimited) as exc:
            self._failed_cycles += 1
            self._lifecycle.monitor.on_error("venue_unavailable")
            self._lifecycle.monitor.on_cycle_failed(f"{type(exc).__name__}: {exc}")
            if (coordinator := self._lifecycle.coordinator) is not None:
                coordinator.note_venue_error(f"{type(exc).__name__}: {exc}")
            log.warning("cycle skipped (%d in a row): %s", self._failed_cycles, exc)
            if isinstance(exc, RateLimited) and not self._rate_limited:
                self._rate_limited = True
                self._journal("venue_rate_limited", f"a cycle skipped: {exc}")
            return False
        self._failed_cycles = 0
        self._rate_limited = False
        if self._ban_reason:
            log.warning("the venue's ban has lifted; leaving reduce-only (%s)", self._ban_reason)
            self._journal("venue_ban_lifted", f"leaving reduce-only ({self._ban_reason})")
            self._ban_reason = ""
        return True

    def _journal(self, kind: str, detail: str) -> None:
        self._lifecycle.store.record_event(self._lifecycle.clock.now_ms(), kind, detail)

    async def run(self, max_cycles: int | None = None) -> RunSummary:
        with cycle_sized_collector():
            return await self._run(max_cycles)

    async def _run(self, max_cycles: int | None) -> RunSummary:
        coordinator = await self._lifecycle.start(self)
        self._running = True
        clock, run_cycle = self._lifecycle.clock, coordinator.run_cycle
        # Only between start and shutdown may a stop request cut a cycle's waits for the venue.
        self._stop.arm()
        try:
            while not self._stop_reason:
                if max_cycles is not None and self._cycle_count >= max_cycles:
                    self.request_stop(f"--cycles {max_cycles} reached")
                    break
                if not await clock.wait_next():
                    self.request_stop("replay finished")
                    break
                if await self._cycle(run_cycle):
                    self._cycle_count += 1
        except asyncio.CancelledError:
            self.request_stop("interrupted")
        finally:
            self._stop.disarm()
            summary = await self._lifecycle.stop(self)
        return summary
