"""MemoryStateStore implements IStateStore in memory, for backtests: the run's state lives as long
as the run, like the simulated exchange it trades on, and costs no disk writes per cycle."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.domain.errors import StateError
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Order, OrderRequest
from bot_v2.domain.positions import FillEffect, Position, apply_fill
from bot_v2.ports.state_store import StoredIntent


class MemoryStateStore:
    def __init__(self) -> None:
        self._intents: dict[str, StoredIntent] = {}
        self._outcomes: dict[str, str] = {}
        self._orders: dict[str, Order] = {}
        # What the cycle asks for every time, kept as it changes: scanning every intent and order
        # of the run per cycle made a long backtest quadratic in its trades.
        self._pending: dict[str, StoredIntent] = {}
        self._open: dict[str, Order] = {}
        self._fills: list[Fill] = []
        self._fill_ids: set[str] = set()
        self._positions: dict[str, Position] = {}
        self._venue_fill_ms = 0
        self._funding: list[FundingPayment] = []
        self._funding_keys: set[tuple[str, int]] = set()
        self._meta: dict[str, str] = {}
        self._watermark = 0
        self.equity: list[tuple[int, Decimal]] = []
        self.events: list[tuple[int, str, str]] = []

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def _seen(self, timestamp_ms: int) -> None:
        if timestamp_ms > self._watermark:
            self._watermark = timestamp_ms

    # -- intents and orders -------------------------------------------------------------------
    def record_intent(self, request: OrderRequest, timestamp_ms: int) -> None:
        if request.client_order_id in self._intents:
            raise StateError(
                f"client order id {request.client_order_id} was already used by an earlier "
                "intent; refusing to send it twice"
            )
        intent = StoredIntent(request, timestamp_ms)
        self._intents[request.client_order_id] = intent
        self._outcomes[request.client_order_id] = "pending"
        self._pending[request.client_order_id] = intent
        self._seen(timestamp_ms)

    def resolve_intent(self, client_order_id: str, outcome: str, timestamp_ms: int) -> None:
        if self._outcomes.get(client_order_id) == "pending":
            self._outcomes[client_order_id] = outcome
            self._pending.pop(client_order_id, None)

    def load_pending_intents(self) -> list[StoredIntent]:
        # In the order the intents were recorded, as a scan of them all would list them.
        return list(self._pending.values())

    def record_order(self, order: Order) -> None:
        key = order.client_order_id
        known = key in self._orders
        self._orders[key] = order
        if order.status.is_open:
            if key in self._open or not known:
                self._open[key] = order
            else:
                # Open again after closing (never seen): keep the orders' own order exactly.
                self._open = {k: o for k, o in self._orders.items() if o.status.is_open}
        else:
            self._open.pop(key, None)
        if self._outcomes.get(key) == "pending":
            self._outcomes[key] = "sent"
            self._pending.pop(key, None)

    def decision_count(self) -> int:
        return len(self._intents)

    def load_orders(self) -> list[Order]:
        return list(self._orders.values())

    def load_open_orders(self) -> list[Order]:
        return list(self._open.values())

    # -- money --------------------------------------------------------------------------------
    def record_fill(self, fill: Fill, external: bool = False) -> FillEffect | None:
        if fill.fill_id in self._fill_ids:
            return None
        symbol = fill.symbol
        before = self._positions.get(symbol) or Position(symbol)
        effect = apply_fill(before, fill.side, fill.size, fill.price)
        if effect.position.is_flat:
            self._positions.pop(symbol, None)
        else:
            self._positions[symbol] = effect.position
        self._fill_ids.add(fill.fill_id)
        self._fills.append(fill)
        if not external:
            self._venue_fill_ms = max(self._venue_fill_ms, fill.timestamp_ms)
            self._seen(fill.timestamp_ms)
        return effect

    def record_funding(self, payment: FundingPayment) -> bool:
        key = (payment.symbol, payment.timestamp_ms)
        if key in self._funding_keys:
            return False
        self._funding_keys.add(key)
        self._funding.append(payment)
        self._seen(payment.timestamp_ms)
        return True

    def record_equity(self, timestamp_ms: int, equity: Decimal) -> None:
        self.equity.append((timestamp_ms, equity))
        self._seen(timestamp_ms)

    def load_fills(self, since_ms: int = 0) -> list[Fill]:
        return [f for f in self._fills if f.timestamp_ms >= since_ms]

    def load_funding(self, since_ms: int = 0) -> list[FundingPayment]:
        found = [p for p in self._funding if p.timestamp_ms >= since_ms]
        return sorted(found, key=lambda p: (p.timestamp_ms, p.symbol))

    def load_positions(self) -> dict[str, Position]:
        return dict(sorted(self._positions.items()))

    def last_fill_ms(self) -> int:
        return self._venue_fill_ms

    def last_funding_ms(self) -> int:
        return max((p.timestamp_ms for p in self._funding), default=0)

    def watermark_ms(self) -> int:
        return self._watermark

    # -- journal and facts --------------------------------------------------------------------
    def record_event(self, timestamp_ms: int, kind: str, detail: str) -> None:
        self.events.append((timestamp_ms, kind, detail))

    def get_meta(self, key: str) -> str | None:
        return self._meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self._meta[key] = value
