"""What reconciliation compares and what it decides, as frozen values. The service fills the first
two from the store and the venue, `reconcile` turns them into a plan, the service carries it out."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal

import attrs

from bot_v2.domain.account import Balance, PositionReport
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Order
from bot_v2.domain.positions import Position
from bot_v2.ports.state_store import StoredIntent


class UnknownOrderPolicy(enum.Enum):
    """What to do with an open order on the venue that the store does not know."""

    ADOPT = "adopt"
    CANCEL = "cancel"


@attrs.frozen
class StoredState:
    """The store's side: what it believes is open, pending and held."""

    pending_intents: tuple[StoredIntent, ...] = ()
    open_orders: tuple[Order, ...] = ()
    # Non-flat positions by symbol, as the stored fills leave them.
    positions: Mapping[str, Position] = attrs.field(factory=dict)
    # Ids of the stored fills and keys of the stored funding in the window the venue was asked
    # about, so what the venue sends again is recognised.
    fill_ids: frozenset[str] = frozenset()
    funding_keys: frozenset[tuple[str, int]] = frozenset()


@attrs.frozen
class VenueReports:
    """The venue's side, as its reports stood during one pass."""

    symbols: tuple[str, ...]
    # The venue's answer for each pending intent's client order id (None: never seen).
    intent_orders: Mapping[str, Order | None] = attrs.field(factory=dict)
    open_orders: tuple[Order, ...] = ()
    # The venue's answer for each stored open order it no longer lists as open.
    order_lookups: Mapping[str, Order | None] = attrs.field(factory=dict)
    fills: tuple[Fill, ...] = ()
    funding: tuple[FundingPayment, ...] = ()
    positions: tuple[PositionReport, ...] = ()
    balance: Balance | None = None


@attrs.frozen
class Policy:
    now_ms: int
    bot_id: str
    unknown_orders: UnknownOrderPolicy = UnknownOrderPolicy.CANCEL
    # Book position drift at once (at start, nothing of ours is in flight) or only when the next
    # pass sees the same drift (while live, a fill can reach the position report before the fill
    # history, and booking it twice would be worse than waiting).
    book_drift_at_once: bool = True
    # (symbol, venue size) drifts seen by the previous pass.
    suspected: frozenset[tuple[str, Decimal]] = frozenset()
    # Prices to book an external close at when the venue reports no mark for the symbol.
    marks: Mapping[str, Decimal] = attrs.field(factory=dict)
    # How long a pending intent that no lookup finds stays pending (see intents.py); 0: the
    # venue's lookups are authoritative, not found is final at once.
    pending_timeout_ms: int = 0


@attrs.frozen
class PositionDrift:
    """Stored and venue positions that fills do not explain."""

    symbol: str
    stored: Position
    venue: Position

    def describe(self) -> str:
        return (
            f"{self.symbol}: stored position {_pos(self.stored)}, venue {_pos(self.venue)}; "
            "changed outside the bot (a manual trade, a liquidation or auto-deleveraging)"
        )


def _pos(position: Position) -> str:
    if position.is_flat:
        return "flat"
    return f"{position.size:f} @ {position.entry_price:f}"


@attrs.frozen
class ReconciliationPlan:
    """Everything one pass will change, in the order the service applies it."""

    fills: tuple[Fill, ...] = ()
    funding: tuple[FundingPayment, ...] = ()
    # Orders to store: adopted intents, orders that moved or ended, adopted unknown orders.
    orders: tuple[Order, ...] = ()
    # (client order id, "sent" | "never_sent" | "unresolved") for pending intents.
    intent_outcomes: tuple[tuple[str, str], ...] = ()
    # Intents left pending (no evidence yet, time left) and those that timed out without any.
    waiting: tuple[StoredIntent, ...] = ()
    unresolved: tuple[StoredIntent, ...] = ()
    cancel: tuple[Order, ...] = ()
    drift: tuple[PositionDrift, ...] = ()
    # Fills the bot books so its positions equal the venue's after `drift`.
    adjustments: tuple[Fill, ...] = ()
    # Drift seen for the first time while live, booked only if the next pass sees it again.
    suspected: tuple[PositionDrift, ...] = ()
    # The next decision sequence must be at least this (ids the venue has that the store lost).
    sequence_floor: int = 0
    findings: tuple[str, ...] = ()

    @property
    def changes(self) -> int:
        return (
            len(self.fills)
            + len(self.funding)
            + len(self.orders)
            + len(self.intent_outcomes)
            + len(self.cancel)
            + len(self.adjustments)
        )
