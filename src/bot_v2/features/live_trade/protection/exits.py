"""ExitNamer: a protective order's fills are booked like any fill (AccountSync, reconciliation);
this names them. For each record with fills not yet journaled, an "exit" event names its kind
(stop-loss, trailing, break-even, take-profit rung) from the ownership record; a record whose
order filled completely is dropped (one that closed the position, a stop or a rung as large as
the stop, ends the exit state), and a filled take-profit rung counts in the exit state."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

import attrs

from bot_v2.domain.fills import Fill
from bot_v2.features.live_trade.protection.report import ProtectionStats
from bot_v2.features.live_trade.protection.values import Held, ProtectiveRecord
from bot_v2.ports.state_store import IStateStore

# A record's created_ms is the bot's clock, a fill's timestamp the venue's: fills are read from this
# far before the oldest record, so a venue whose clock is behind ours still has its fills named.
VENUE_CLOCK_SKEW_MS = 86_400_000


class ExitNamer:
    def __init__(self, store: IStateStore, stats: ProtectionStats) -> None:
        self._store = store
        self._stats = stats

    def name(self, held: Iterable[Held], now_ms: int) -> Iterator[Held]:
        """The symbols whose records changed, with the exits journaled (the caller stores them)."""
        helds = [h for h in held if h.records]
        if not helds:
            return
        since = min(r.created_ms for h in helds for r in h.records) - VENUE_CLOCK_SKEW_MS
        ids = {r.client_order_id for h in helds for r in h.records}
        fills: dict[str, list[Fill]] = {}
        for fill in self._store.load_fills(since):
            if fill.client_order_id in ids:
                fills.setdefault(fill.client_order_id, []).append(fill)
        for h in helds:
            changed = self._named(h, fills, now_ms)
            if changed is not None:
                yield changed

    def _named(self, held: Held, fills: dict[str, list[Fill]], now_ms: int) -> Held | None:
        records: list[ProtectiveRecord] = []
        state = held.exit_state
        changed = False
        # A stop is sized to the whole position: a rung as large as the smallest stop held closes
        # what was left of it (the ladder's last rung when the fractions sum to 1).
        whole = min((r.size for r in held.records if r.is_stop), default=None)
        for record in held.records:
            own = fills.get(record.client_order_id, [])
            size = sum((f.size for f in own), Decimal(0))
            if size <= record.journaled:
                records.append(record)
                continue
            changed = True
            self._journal(record, own, size - record.journaled, now_ms)
            if record.rung is not None and state is not None:
                state = attrs.evolve(state, rungs_filled=max(state.rungs_filled, record.rung + 1))
            if size < record.size:
                records.append(attrs.evolve(record, journaled=size))
            elif record.is_stop or (whole is not None and record.size >= whole):
                # It closed the position: the exit state (stop price, best price, entry, rungs
                # filled) ends with it. A same-side entry before the next pass is a new position;
                # kept, it would be planned from the filled stop, on the wrong side of the mark,
                # which the venue refuses every try (then the failure policy closes it).
                state = None
        if not changed:
            return None
        return attrs.evolve(held, records=tuple(records), exit_state=state)

    def _journal(
        self, record: ProtectiveRecord, fills: list[Fill], size: Decimal, now_ms: int
    ) -> None:
        notional = sum((f.size * f.price for f in fills), Decimal(0))
        total = sum((f.size for f in fills), Decimal(0))
        price = notional / total if total else Decimal(0)
        what = record.kind.value if record.rung is None else f"{record.kind.value} {record.rung}"
        self._store.record_event(
            now_ms,
            "exit",
            f"{record.kind.value} {record.symbol}: {what} filled {record.side.value} {size:f} "
            f"at {price:f} ({record.client_order_id})",
        )
        self._stats.exits[record.kind.value] = self._stats.exits.get(record.kind.value, 0) + 1
