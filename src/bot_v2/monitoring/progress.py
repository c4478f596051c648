"""A periodic status line for a person watching the terminal: one line every few seconds, not one
per cycle."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot_v2.monitoring.reports import CycleReport


def format_status(report: CycleReport) -> str:
    when = datetime.fromtimestamp(report.clock_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")
    done = f"{report.progress * 100:5.1f}% " if report.progress is not None else ""
    held = " ".join(
        f"{s.split('/')[0]}{'+' if v > 0 else ''}{v.normalize()}"
        for s, v in sorted(report.positions.items())
        if v != 0
    )
    mode = "  REDUCE-ONLY" if report.reduce_only_reason else ""
    return (
        f"[{when}] {done}cycle {report.cycle:>6}  equity {report.equity:>12,.2f}  "
        f"positions {held or '-':<28} orders {report.orders_total:>4}  "
        f"rejected {report.risk_rejections:>3}{mode}"
    )


class ProgressPrinter:
    def __init__(
        self,
        interval_s: float,
        write: Callable[[str], None],
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval_s = interval_s
        self._write = write
        self._now = now
        self._next_at = now()

    def on_cycle(self, report: CycleReport) -> None:
        if self._now() >= self._next_at:
            self._write(format_status(report))
            self._next_at = self._now() + self._interval_s
