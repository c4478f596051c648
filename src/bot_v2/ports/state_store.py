"""IStateStore: durable state. Kept narrow so another database could stand behind it: every method
is a plain insert, upsert or read of values the domain already has."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

import attrs

from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Order, OrderRequest
from bot_v2.domain.positions import FillEffect, Position


@attrs.frozen
class StoredIntent:
    """An order the bot decided to send whose outcome the store does not know yet."""

    request: OrderRequest
    created_ms: int


class IStateStore(Protocol):
    def open(self) -> None:
        """Create or migrate the schema; raises StateError when the state cannot be used safely
        (corrupt, truncated, from a newer schema, unwritable), without changing the file."""

    def close(self) -> None: ...

    def record_intent(self, request: OrderRequest, timestamp_ms: int) -> None:
        """Commit the intent to send `request`, durably, before it is sent. Raises StateError when
        that client order id was already used: an id is never sent twice."""

    def resolve_intent(self, client_order_id: str, outcome: str, timestamp_ms: int) -> None:
        """Close a pending intent: "sent" (the venue has it), "never_sent" (it does not) or
        "unresolved" (no lookup found it within reconciliation.pending_timeout_s)."""

    def load_pending_intents(self) -> list[StoredIntent]:
        """Intents whose outcome is unknown, oldest first."""

    def record_order(self, order: Order) -> None:
        """Insert or update the order by client order id, keep its state transitions, and mark its
        intent sent."""

    def record_fill(self, fill: Fill, external: bool = False) -> FillEffect | None:
        """Store the fill once and move the stored position with it: the one fold of our books
        (`domain.positions.apply_fill` on the stored position). Returns that fold's result (the
        position after the fill and the PnL it realized), which the ledger takes as it is; None
        when the fill was already stored. `external` marks a booking the bot made for a change it
        did not trade (a manual trade, a liquidation or auto-deleveraging that the venue's fill
        history does not show)."""

    def record_funding(self, payment: FundingPayment) -> bool: ...

    def record_equity(self, timestamp_ms: int, equity: Decimal) -> None: ...

    def record_event(self, timestamp_ms: int, kind: str, detail: str) -> None:
        """Risk events, reconciliation findings and decisions, for the journal."""

    def get_meta(self, key: str) -> str | None:
        """Small durable facts about the run (initial balance, bot id)."""

    def set_meta(self, key: str, value: str) -> None: ...

    def decision_count(self) -> int:
        """How many order intents were ever recorded: the next decision's sequence number."""

    def load_orders(self) -> list[Order]: ...

    def load_open_orders(self) -> list[Order]:
        """Orders the store last saw new or partially filled."""

    def load_fills(self, since_ms: int = 0) -> list[Fill]:
        """Fills with timestamp >= since_ms (external bookings included) in the order stored."""

    def load_funding(self, since_ms: int = 0) -> list[FundingPayment]: ...

    def load_positions(self) -> dict[str, Position]:
        """Non-flat positions as the stored fills leave them, by symbol."""

    def last_fill_ms(self) -> int:
        """Time of the newest stored venue fill (external bookings excluded); 0 when none."""

    def last_funding_ms(self) -> int: ...

    def watermark_ms(self) -> int:
        """The latest clock time the stored state has seen (a cycle, an intent, a fill); 0 when
        empty. A replay that restarts resumes from here."""
