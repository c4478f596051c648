"""ProtectiveViews: each position's protective orders as the operator API shows them, published
with the runtime's snapshot. The API used to decode protection's stored document on every request
for /api/v1/positions (about 20 ms at a thousand symbols, and a request could see a document newer
than the positions beside it); the snapshot now carries what protection held when the cycle ended.

A symbol's views are rebuilt only when its records changed (compared by identity: a `Held` is
frozen, and a change of its exit state alone keeps the records tuple it had). A trailing stop's
best price moves every cycle, so keying on the whole `Held` would rebuild every position's views
every cycle."""

from __future__ import annotations

from bot_v2.features.live_trade.protection.values import Held, ProtectiveRecord
from bot_v2.ports.control import ProtectiveOrderView

Records = tuple[ProtectiveRecord, ...]


class ProtectiveViews:
    def __init__(self) -> None:
        self._kept: dict[str, tuple[Records, tuple[ProtectiveOrderView, ...]]] = {}

    def of(self, symbol: str, held: Held | None) -> tuple[ProtectiveOrderView, ...]:
        if held is None:
            self._kept.pop(symbol, None)
            return ()
        kept = self._kept.get(symbol)
        if kept is None or kept[0] is not held.records:
            kept = (held.records, tuple(view(r) for r in held.records))
            self._kept[symbol] = kept
        return kept[1]


def view(record: ProtectiveRecord) -> ProtectiveOrderView:
    return ProtectiveOrderView(
        client_order_id=record.client_order_id,
        role="stop" if record.is_stop else "take_profit",
        rung=record.rung,
        kind=record.kind.value,
        side=record.side.value,
        trigger_price=record.trigger_price,
        size=record.size,
        status=record.status.value,
    )
