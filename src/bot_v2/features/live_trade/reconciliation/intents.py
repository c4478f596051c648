"""What became of each pending intent: decided on evidence only.

An intent is pending while nobody knows whether the venue has its order (the process died between
committing and sending, or the submit's answer was lost to a 5xx or a timeout). Its order is never
sent again; each pass looks for it instead:

- the venue answers a lookup by its client order id, or lists it among the open orders, and its
  fill history shows as much as the order says is filled: "sent". Fills still missing keep it
  pending, or the position check would book them once as external and again when they arrive;
- a fill carries its client order id: "sent";
- neither, and `pending_timeout_ms` has not passed since the intent was made: it stays pending.
  A venue's read side can lag its matching engine, so "not found" proves nothing yet;
- neither, and the time has passed: "unresolved", with an alert; the position check of the same
  pass (and the next) decides what the account holds.

A timeout of 0 declares the venue's lookups authoritative (the sim answers from its own book): not
found is then final at once, "never_sent".
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from bot_v2.domain.orders import Order
from bot_v2.ports.state_store import StoredIntent

SENT = "sent"
NEVER_SENT = "never_sent"
UNRESOLVED = "unresolved"


@attrs.frozen
class IntentVerdicts:
    orders: tuple[Order, ...] = ()
    # (client order id, "sent" | "never_sent" | "unresolved")
    outcomes: tuple[tuple[str, str], ...] = ()
    # Still pending: no evidence yet, and time left for it to appear.
    waiting: tuple[StoredIntent, ...] = ()
    # Timed out without evidence: the operator is alerted.
    unresolved: tuple[StoredIntent, ...] = ()
    findings: tuple[str, ...] = ()


def resolve_intents(
    pending: tuple[StoredIntent, ...],
    lookups: Mapping[str, Order | None],
    venue_open: Mapping[str, Order],
    traded: Mapping[str, Decimal],
    now_ms: int,
    timeout_ms: int,
) -> IntentVerdicts:
    orders: list[Order] = []
    outcomes: list[tuple[str, str]] = []
    waiting: list[StoredIntent] = []
    unresolved: list[StoredIntent] = []
    findings: list[str] = []
    for intent in pending:
        coid = intent.request.client_order_id
        order = lookups.get(coid) or venue_open.get(coid)
        if order is not None and order.filled > traded.get(coid, Decimal(0)):
            waiting.append(intent)
            findings.append(
                f"intent {coid}: the venue has it ({order.status.value}) but not yet all its fills; "
                f"pending, {intent.request.symbol} reduce-only until they are reported"
            )
        elif order is not None:
            orders.append(order)
            outcomes.append((coid, SENT))
            findings.append(f"intent {coid}: the venue has it ({order.status.value}); adopted")
        elif coid in traded:
            outcomes.append((coid, SENT))
            findings.append(f"intent {coid}: the venue has fills for it; marked sent")
        elif timeout_ms <= 0:
            outcomes.append((coid, NEVER_SENT))
            findings.append(f"intent {coid}: the venue never saw it; marked never sent")
        elif now_ms - intent.created_ms < timeout_ms:
            waiting.append(intent)
            # The same words every pass, so the journal records it once, not every cycle.
            findings.append(
                f"intent {coid}: not found at the venue yet; pending, never sent again, "
                f"{intent.request.symbol} reduce-only until found or {timeout_ms // 1000}s pass"
            )
        else:
            unresolved.append(intent)
            outcomes.append((coid, UNRESOLVED))
            findings.append(f"ALERT {unresolved_detail(intent, timeout_ms)}")
    return IntentVerdicts(
        tuple(orders), tuple(outcomes), tuple(waiting), tuple(unresolved), tuple(findings)
    )


def unresolved_detail(intent: StoredIntent, timeout_ms: int) -> str:
    r = intent.request
    return (
        f"order {r.client_order_id} ({r.side.value} {r.size:f} {r.symbol}) unresolved: not found "
        f"at the venue {timeout_ms // 1000}s after it was made; position reconciliation decides "
        "what the account holds (docs/runbooks/recovery.md)"
    )
