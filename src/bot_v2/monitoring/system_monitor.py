"""SystemMonitor implements IStatusSource: Prometheus metrics and the health document.

Health is honest about trading, not only about the process: it is unhealthy (503 with the reasons)
once `unhealthy_after_failed_cycles` cycles in a row failed (the venue down or rate-limiting us), or
while the last cycle saw stale market data (marks older than risk.max_mark_staleness_s: the bot
cannot open anything), and healthy again with the next cycle that completes on fresh data."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot_v2.monitoring.reports import CycleReport


class SystemMonitor:
    def __init__(self, profile: str, bot_id: str, unhealthy_after_failed_cycles: int = 3) -> None:
        self.profile = profile
        self.bot_id = bot_id
        self.unhealthy_after_failed_cycles = unhealthy_after_failed_cycles
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.cycles = Counter("perps_cycles", "Completed bot cycles", registry=r)
        self.cycle_seconds = Histogram(
            "perps_cycle_duration_seconds",
            "Wall-clock time of one cycle",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0),
            registry=r,
        )
        self.equity = Gauge("perps_equity", "Account equity in the quote asset", registry=r)
        self.open_positions = Gauge("perps_open_positions", "Non-flat positions", registry=r)
        self.open_orders = Gauge("perps_open_orders", "Orders resting on the venue", registry=r)
        self.orders = Gauge("perps_orders_submitted", "Orders sent since start", registry=r)
        self.fills = Gauge("perps_fills", "Fills applied since start", registry=r)
        self.rejections = Gauge(
            "perps_risk_rejections", "Orders stopped by risk checks", registry=r
        )
        self.errors = Counter("perps_errors", "Errors by kind", ["kind"], registry=r)
        self.reduce_only = Gauge("perps_reduce_only", "1 while new exposure is blocked", registry=r)
        self.failed_cycles = Gauge(
            "perps_failed_cycles_in_a_row", "Cycles failed since the last one completed", registry=r
        )
        self.healthy = Gauge("perps_healthy", "1 while /health answers 200", registry=r)
        self.position_size = Gauge(
            "perps_position_size", "Signed position size", ["symbol"], registry=r
        )
        self.protections = Counter(
            "perps_protection_actions",
            "Portfolio protections that acted (halt, breaker trip, cooldown, reduction), by kind",
            ["kind"],
            registry=r,
        )
        self._lock = threading.Lock()
        self._last: CycleReport | None = None
        self._state = "starting"
        self._started = time.time()
        self._extra: dict[str, Any] = {}
        self._failed_in_a_row = 0
        self._last_failure = ""
        # The size each symbol's position gauge was last set to.
        self._shown_sizes: dict[str, Decimal] = {}

    # -- fed by the runtime -------------------------------------------------------------------
    def set_state(self, state: str) -> None:
        with self._lock:
            self._state = state
        self._assess()

    def set_detail(self, key: str, value: Any) -> None:
        """Extra sections of the health document (reconciliation, streaming ...)."""
        with self._lock:
            self._extra[key] = value

    def on_error(self, kind: str) -> None:
        self.errors.labels(kind=kind).inc()

    def on_protection(self, kind: str) -> None:
        self.protections.labels(kind=kind).inc()

    def on_cycle_failed(self, reason: str) -> None:
        """A cycle that could not complete; the next one that completes (on_cycle) clears it."""
        with self._lock:
            self._failed_in_a_row += 1
            self._last_failure = reason
            failed = self._failed_in_a_row
        self.failed_cycles.set(failed)
        self._assess()

    def on_cycle(self, report: CycleReport) -> None:
        self.cycles.inc()
        self.cycle_seconds.observe(report.duration_s)
        self.equity.set(float(report.equity))
        self.open_positions.set(sum(1 for v in report.positions.values() if v != 0))
        self.open_orders.set(report.open_orders)
        self.orders.set(report.orders_total)
        self.fills.set(report.fills_total)
        self.rejections.set(report.risk_rejections)
        self.reduce_only.set(1 if report.reduce_only_reason else 0)
        shown = self._shown_sizes
        for symbol, size in report.positions.items():
            # Only what changed: with a thousand symbols, a label lookup each per cycle adds up.
            if shown.get(symbol) != size:
                self.position_size.labels(symbol=symbol).set(float(size))
                shown[symbol] = size
        self.failed_cycles.set(0)
        with self._lock:
            self._last = report
            self._failed_in_a_row = 0
            self._last_failure = ""
            if self._state == "starting":
                self._state = "running"
        self._assess()

    # -- IStatusSource ------------------------------------------------------------------------
    def health(self) -> tuple[bool, dict[str, Any]]:
        with self._lock:
            last, state, extra = self._last, self._state, dict(self._extra)
            failed, failure = self._failed_in_a_row, self._last_failure
        healthy, reasons = self._judge(last, state, failed, failure)
        doc: dict[str, Any] = {
            "status": "ok" if healthy else ("unhealthy" if reasons else state),
            "state": state,
            "failed_cycles_in_a_row": failed,
            "profile": self.profile,
            "bot_id": self.bot_id,
            "uptime_s": round(time.time() - self._started, 3),
        }
        if last is not None:
            doc.update(
                cycle=last.cycle,
                clock=datetime.fromtimestamp(last.clock_ms / 1000, UTC).isoformat(),
                equity=str(last.equity),
                positions={s: str(v) for s, v in last.positions.items() if v != 0},
                open_orders=last.open_orders,
                reduce_only=bool(last.reduce_only_reason),
                reduce_only_reason=last.reduce_only_reason,
                stale_symbols=dict(last.stale_symbols),
            )
            if last.progress is not None:
                doc["progress"] = round(last.progress, 4)
        doc.update(extra)
        if reasons:
            doc["unhealthy_reasons"] = reasons
        return healthy, doc

    def _assess(self) -> tuple[bool, list[str]]:
        """Healthy or not, and why not; also sets the perps_healthy gauge, so a scrape of /metrics
        alone tells the same as /health."""
        with self._lock:
            last, state = self._last, self._state
            failed, failure = self._failed_in_a_row, self._last_failure
        return self._judge(last, state, failed, failure)

    def _judge(
        self, last: CycleReport | None, state: str, failed: int, failure: str
    ) -> tuple[bool, list[str]]:
        reasons = []
        if failed >= self.unhealthy_after_failed_cycles:
            reasons.append(f"{failed} cycles in a row failed; last: {failure}")
        if last is not None and last.stale_symbols:
            stale = ", ".join(f"{s}: {why}" for s, why in sorted(last.stale_symbols.items()))
            reasons.append(f"stale market data ({stale})")
        healthy = state in ("starting", "running", "finished") and not reasons
        self.healthy.set(1 if healthy else 0)
        return healthy, reasons

    def metrics_text(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
