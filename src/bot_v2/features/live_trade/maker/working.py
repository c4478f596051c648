"""A working maker entry as a value, and its text in the store's meta: stored before the order it
names is sent, so a restart finds every entry the bot may have resting on the venue."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal

import attrs

from bot_v2.domain.orders import Side

META_KEY = "maker_entries"


@attrs.frozen
class WorkingEntry:
    symbol: str
    side: Side
    # What is still to be bought or sold: the entry's size less what earlier placements filled.
    size: Decimal
    # The placement now working (or about to be sent): its client order id and limit price.
    client_order_id: str
    price: Decimal
    placed_ms: int
    # Placements after the first so far (0 .. max_reprices).
    reprices: int = 0
    # The placement's answer was lost: if reconciliation never finds it, the entry ends rather
    # than risk a second order beside one the venue may hold.
    lost: bool = False


def encode(entries: Mapping[str, WorkingEntry]) -> str:
    return json.dumps(
        {
            symbol: {
                "side": e.side.value,
                "size": str(e.size),
                "client_order_id": e.client_order_id,
                "price": str(e.price),
                "placed_ms": e.placed_ms,
                "reprices": e.reprices,
                "lost": e.lost,
            }
            for symbol, e in sorted(entries.items())
        },
        sort_keys=True,
    )


def decode(text: str | None) -> dict[str, WorkingEntry]:
    if not text:
        return {}
    raw = json.loads(text)
    return {
        symbol: WorkingEntry(
            symbol=symbol,
            side=Side(fields["side"]),
            size=Decimal(fields["size"]),
            client_order_id=fields["client_order_id"],
            price=Decimal(fields["price"]),
            placed_ms=int(fields["placed_ms"]),
            reprices=int(fields["reprices"]),
            lost=bool(fields.get("lost", False)),
        )
        for symbol, fields in raw.items()
    }
