"""What a protection pass found and did, for the journal, the log and /health; and the running
counts /metrics reads (monitoring/protection_metrics.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.protection.values import Held, ProtectionPlan, RecordStatus

MAX_FINDINGS_SHOWN = 20


@attrs.define
class ProtectionStats:
    """Counts since the process started (the journal keeps the history)."""

    placed: int = 0
    replaced: int = 0
    cancelled: int = 0
    failed: int = 0
    alerts: int = 0
    closes: int = 0
    pass_failures: int = 0
    exits: dict[str, int] = attrs.Factory(dict)
    last_alerts: tuple[str, ...] = ()


@attrs.frozen
class ProtectionReport:
    at_ms: int
    plan: ProtectionPlan
    # Empty when the pass completed; otherwise what went wrong (the venue could not be read, a
    # placement failed).
    failure: str = ""

    @property
    def ok(self) -> bool:
        return not self.failure

    @property
    def findings(self) -> tuple[str, ...]:
        return self.plan.findings

    def summary(self) -> str:
        p = self.plan
        text = (
            f"{len(p.place)} placed, {sum(len(x.replaces) for x in p.place)} replaced, "
            f"{len(p.cancel) + len(p.strays)} cancelled, {len(p.gone)} gone from the venue, "
            f"{len(p.close)} closed by the bot"
        )
        return text if self.ok else f"{text}; failed: {self.failure}"

    def health(
        self, held: Mapping[str, Held], positions: Mapping[str, Position], stats: ProtectionStats
    ) -> dict[str, Any]:
        orders: dict[str, list[str]] = {}
        for symbol, h in sorted(held.items()):
            orders[symbol] = [
                f"{r.client_order_id} {r.kind.value} {r.side.value} {r.size:f} @ "
                f"{r.trigger_price:f}"
                + ("" if r.status is RecordStatus.PLACED else f" ({r.status.value})")
                for r in h.records
            ]
        unprotected = sorted(
            s
            for s in positions
            if not any(
                r.is_stop and r.status is not RecordStatus.CANCELLING
                for r in (held.get(s) or Held(s)).records
            )
        )
        return {
            "status": "ok" if self.ok else "failed",
            "at": datetime.fromtimestamp(self.at_ms / 1000, UTC).isoformat(),
            "reason": self.failure,
            "summary": self.summary(),
            "orders": orders,
            "unprotected": unprotected,
            "failures": {s: h.failures for s, h in sorted(held.items()) if h.failures},
            "alerts": list(stats.last_alerts),
            "exits": dict(sorted(stats.exits.items())),
            "findings": list(self.findings[:MAX_FINDINGS_SHOWN]),
        }
