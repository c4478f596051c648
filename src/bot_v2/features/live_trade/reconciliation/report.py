"""What one reconciliation pass found and did, for the journal, the log and /health."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs

from bot_v2.features.live_trade.reconciliation.values import ReconciliationPlan

# /health shows the first findings only; the journal (events table) has every one.
MAX_FINDINGS_SHOWN = 20


@attrs.frozen
class ReconciliationReport:
    at_ms: int
    plan: ReconciliationPlan
    # Empty when the pass completed; otherwise why it could not, and the bot must not trust its state.
    failure: str = ""
    # Venue wallet balance minus the store's cash, when both were known; not booked, only shown.
    cash_difference: Decimal | None = None

    @property
    def ok(self) -> bool:
        return not self.failure

    @property
    def findings(self) -> tuple[str, ...]:
        cash = self.cash_difference
        extra = () if not cash else (f"venue balance differs from stored cash by {cash:f}",)
        return self.plan.findings + extra

    def summary(self) -> str:
        if not self.ok:
            return f"failed: {self.failure}"
        p = self.plan
        sent = sum(1 for _, outcome in p.intent_outcomes if outcome == "sent")
        never = sum(1 for _, outcome in p.intent_outcomes if outcome == "never_sent")
        doubt = ""
        if p.waiting or p.unresolved:
            doubt = f", {len(p.waiting)} still pending, {len(p.unresolved)} unresolved"
        return (
            f"ok: {len(p.fills)} fill(s) and {len(p.funding)} funding payment(s) adopted, "
            f"{len(p.orders)} order(s) updated, {sent} intent(s) found "
            f"and {never} never sent{doubt}, {len(p.cancel)} unknown order(s) cancelled, "
            f"{len(p.drift)} external position change(s)"
        )

    def health(self) -> dict[str, Any]:
        p = self.plan
        return {
            "status": "ok" if self.ok else "failed",
            "at": datetime.fromtimestamp(self.at_ms / 1000, UTC).isoformat(),
            "reason": self.failure,
            "summary": self.summary(),
            "changes": p.changes,
            "external_positions": [d.describe() for d in p.drift],
            "suspected_drift": [d.describe() for d in p.suspected],
            "pending_orders": [i.request.client_order_id for i in p.waiting],
            "findings": list(self.findings[:MAX_FINDINGS_SHOWN]),
            "cash_difference": None if self.cash_difference is None else str(self.cash_difference),
        }
