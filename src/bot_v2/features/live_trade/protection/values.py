"""What protection remembers and decides, as frozen values. The service keeps one `Held` per symbol
in the store (the position's `ExitState` and the ownership records of its protective orders), the
pure `protect` turns positions, exit plans, records and the venue's list into a `ProtectionPlan`,
and the service carries it out."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal

import attrs

from bot_v2.domain.market import MarketSpec
from bot_v2.domain.orders import Order, Side, TriggerPrice
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.values import ExitKind, ExitPlan, ExitState


class RecordStatus(enum.Enum):
    """PENDING: stored, the placement's answer not yet seen (the process may have died, or the
    answer was lost); PLACED: the venue accepted it; CANCELLING: a cancel was sent (stored before
    it) and not confirmed. A cancelling order may already be gone, so it never counts as cover:
    it is cancelled again until the venue confirms or no longer lists it."""

    PENDING = "pending"
    PLACED = "placed"
    CANCELLING = "cancelling"


class FailurePolicy(enum.Enum):
    """What the bot does when a stop cannot be placed after `placement_tries` tries."""

    CLOSE = "close"
    REDUCE_ONLY = "reduce_only"


@attrs.frozen
class ProtectiveRecord:
    """Ownership: one protective order the bot placed (or is placing) for a symbol's position.
    Stored before the venue is called, so a restart knows every id it may have sent."""

    client_order_id: str
    symbol: str
    kind: ExitKind
    # None: the position's stop; a number: that take-profit rung.
    rung: int | None
    # The closing side (the position's opposite).
    side: Side
    size: Decimal
    trigger_price: Decimal
    created_ms: int
    status: RecordStatus = RecordStatus.PENDING
    # Size of this order's fills already journaled as an exit.
    journaled: Decimal = Decimal(0)

    @property
    def is_stop(self) -> bool:
        return self.rung is None

    def matches(self, other: ProtectiveRecord) -> bool:
        """The same protection on the venue: what a replacement would change is equal."""
        return (self.rung, self.side, self.size, self.trigger_price) == (
            other.rung,
            other.side,
            other.size,
            other.trigger_price,
        )

    def describe(self) -> str:
        what = "stop" if self.is_stop else f"take-profit rung {self.rung}"
        return (
            f"{what} {self.client_order_id} ({self.kind.value}, {self.side.value} "
            f"{self.size:f} {self.symbol} at {self.trigger_price:f})"
        )


@attrs.frozen
class Held:
    """Everything protection stores for one symbol: the exits' memory of the open position and
    the protective orders that belong to it. `failures` counts placement tries that failed in a
    row (stored: a restart does not reset it)."""

    symbol: str
    exit_state: ExitState | None = None
    records: tuple[ProtectiveRecord, ...] = ()
    failures: int = 0

    @property
    def empty(self) -> bool:
        return self.exit_state is None and not self.records and not self.failures


@attrs.frozen
class Settings:
    bot_id: str
    trigger_by: TriggerPrice = TriggerPrice.MARK
    # Placement tries (each with a fresh client id) before the failure policy applies.
    placement_tries: int = 3
    on_stop_failure: FailurePolicy = FailurePolicy.CLOSE


@attrs.frozen
class Inputs:
    """One pass's view: the open positions (non-flat), the exit plan of each, what is stored, the
    market rules and, on a verifying pass, the venue's open protective orders. No marks: whether a
    stop is already crossed is the venue's call (it refuses one that would trigger at once, and
    the failure policy then closes the position)."""

    positions: Mapping[str, Position]
    plans: Mapping[str, ExitPlan]
    held: Mapping[str, Held]
    markets: Mapping[str, MarketSpec]
    # None: trust the records (the cycle's pass); a tuple: the venue's list (reconciliation).
    venue: tuple[Order, ...] | None = None


@attrs.frozen
class Placement:
    """A protective order to place; `replaces` are cancelled only once it is on the venue."""

    record: ProtectiveRecord
    replaces: tuple[ProtectiveRecord, ...] = ()


@attrs.frozen
class ProtectionPlan:
    """What one pass changes, in the order the service applies it."""

    # Records the venue showed (pending -> placed) or no longer has (triggered, cancelled, or a
    # placement that never landed): the service names the exits of those with fills, then drops.
    confirmed: tuple[ProtectiveRecord, ...] = ()
    gone: tuple[ProtectiveRecord, ...] = ()
    # New-first: every placement is on the venue before anything it replaces is cancelled.
    place: tuple[Placement, ...] = ()
    # Cancelled at once: orphans (position gone), extras whose cover is already on the venue,
    # rungs no longer asked for.
    cancel: tuple[ProtectiveRecord, ...] = ()
    # Our protective orders on the venue without a record (a record lost): cancelled.
    strays: tuple[Order, ...] = ()
    # Bot-side exits to send through the intent path (reduce-only market close).
    close: tuple[tuple[str, ExitKind], ...] = ()
    # Symbols whose position is gone: their stored exit state is cleared.
    flat: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()

    @property
    def changes(self) -> int:
        return (
            len(self.confirmed)
            + len(self.gone)
            + len(self.place)
            + len(self.cancel)
            + len(self.strays)
            + len(self.close)
        )
