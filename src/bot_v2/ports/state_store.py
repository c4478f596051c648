"""IStateStore: durable state. Kept narrow so another database could stand behind it."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Order, OrderRequest


class IStateStore(Protocol):
    def open(self) -> None:
        """Create or migrate the schema; raises StateError when the state cannot be used safely."""

    def close(self) -> None: ...

    def record_intent(self, request: OrderRequest, timestamp_ms: int) -> None:
        """Commit the intent to send `request` before it is sent."""

    def record_order(self, order: Order) -> None:
        """Insert or update the order by client order id."""

    def record_fill(self, fill: Fill) -> bool:
        """Store the fill once; False when it was already stored."""

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

    def load_fills(self) -> list[Fill]: ...

    def load_funding(self) -> list[FundingPayment]: ...
