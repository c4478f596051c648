"""Conditional (protective) orders a loopback venue holds apart from its order book, as the real
venues do (Binance's Algo Service, Bybit's untriggered conditional orders, OKX's algo orders), and
the mark price they may watch. The venue modules only translate them to and from their wire format.

A trigger watches the mark or the last price. `move()` sets either or both and fires every open
trigger the move crossed: a stop fires when the watched price reaches its trigger price moving
against the position, a take-profit when it reaches it moving in the position's favour (the venues'
"rises to" / "falls to" direction, fixed at placement). A fired trigger becomes a reduce-only market
order in the book (a limit order for a stop-limit) under a client id the venue module chooses, so
its fill shows in the venue's trades with that id and the position shrinks or closes. A trigger
that finds nothing to reduce is rejected, as the venues reject a reduce-only order with no position.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from tests.loopback.book import Book, BookOrder, Reject

ZERO = Decimal(0)
Watch = Literal["mark", "last"]


@dataclass
class Trigger:
    trigger_id: int
    client_id: str
    symbol: str
    side: Literal["BUY", "SELL"]
    # "STOP" or "TAKE_PROFIT": only what the venue reports back; the direction decides firing.
    kind: str
    qty: Decimal
    trigger_price: Decimal
    watch: Watch
    # +1: fires when the watched price rises to trigger_price; -1: when it falls to it.
    direction: int
    price: Decimal | None
    close_position: bool
    reduce_only: bool
    created_ms: int
    status: Literal["NEW", "TRIGGERED", "CANCELED", "REJECTED"] = "NEW"
    updated_ms: int = 0
    # The book order it became when it fired.
    child: BookOrder | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "NEW"


# The client id and order id a fired trigger's book order carries (each venue decides).
ChildId = Callable[[Trigger], str]
ChildOrderId = Callable[[Trigger], int]


class Triggers:
    """The conditional orders of one account. Every method holds the book's lock."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.items: list[Trigger] = []
        # Symbols whose mark was set apart from the last price; the others mark at last.
        self.marks: dict[str, Decimal] = {}

    def mark(self, symbol: str) -> Decimal:
        return self.marks.get(symbol, self.book.prices[symbol])

    def add(
        self,
        *,
        client_id: str,
        symbol: str,
        side: Literal["BUY", "SELL"],
        kind: str,
        qty: Decimal,
        trigger_price: Decimal,
        watch: Watch,
        direction: int | None,
        price: Decimal | None = None,
        close_position: bool = False,
        reduce_only: bool = True,
        unique: Literal["open", "all"] = "open",
    ) -> Trigger:
        with self.book.lock:
            rules = self.book.rule(symbol)
            if qty <= 0 and not close_position:
                raise Reject("qty_not_positive", str(qty))
            if qty > 0 and qty % rules.step != 0:
                raise Reject("qty_precision", f"{qty} is not a multiple of {rules.step}")
            if trigger_price <= 0 or trigger_price % rules.tick != 0:
                raise Reject("price_precision", f"trigger {trigger_price} off tick {rules.tick}")
            if client_id and any(
                t.client_id == client_id and (unique == "all" or t.is_open) for t in self.items
            ):
                raise Reject("duplicate_client_id", client_id)
            watched = self.mark(symbol) if watch == "mark" else self.book.prices[symbol]
            if direction is None:
                direction = 1 if trigger_price > watched else -1
            elif (direction > 0 and trigger_price <= watched) or (
                direction < 0 and trigger_price >= watched
            ):
                # The venues refuse a trigger that would fire at once.
                raise Reject("would_trigger", f"trigger {trigger_price} vs {watch} {watched}")
            trigger = Trigger(
                trigger_id=self.book._new_order_id(),
                client_id=client_id,
                symbol=symbol,
                side=side,
                kind=kind,
                qty=qty,
                trigger_price=trigger_price,
                watch=watch,
                direction=direction,
                price=price,
                close_position=close_position,
                reduce_only=reduce_only,
                created_ms=self.book.clock(),
            )
            trigger.updated_ms = trigger.created_ms
            self.items.append(trigger)
            return trigger

    def find(
        self, symbol: str | None, *, trigger_id: int | None = None, client_id: str | None = None
    ) -> Trigger | None:
        with self.book.lock:
            for trigger in reversed(self.items):
                if symbol not in (None, trigger.symbol):
                    continue
                if trigger_id is not None and trigger.trigger_id == trigger_id:
                    return trigger
                if client_id is not None and trigger.client_id == client_id:
                    return trigger
            return None

    def snapshot(self) -> dict[str, object]:
        """A JSON-able view for `GET /__test__/state` and the state file: every conditional
        order and the marks set apart from the last price."""
        with self.book.lock:
            return {
                "marks": {s: str(p) for s, p in self.marks.items()},
                "triggers": [
                    {
                        "trigger_id": t.trigger_id,
                        "client_id": t.client_id,
                        "symbol": t.symbol,
                        "side": t.side,
                        "kind": t.kind,
                        "qty": str(t.qty),
                        "trigger_price": str(t.trigger_price),
                        "watch": t.watch,
                        "close_position": t.close_position,
                        "status": t.status,
                        "child_order_id": None if t.child is None else t.child.order_id,
                    }
                    for t in self.items
                ],
            }

    def open(self, symbol: str | None = None) -> list[Trigger]:
        with self.book.lock:
            return [t for t in self.items if t.is_open and symbol in (None, t.symbol)]

    def cancel(
        self, symbol: str, *, trigger_id: int | None = None, client_id: str | None = None
    ) -> Trigger:
        with self.book.lock:
            trigger = self.find(symbol, trigger_id=trigger_id, client_id=client_id)
            if trigger is None or not trigger.is_open:
                raise Reject("unknown_order", f"{trigger_id or client_id}")
            trigger.status = "CANCELED"
            trigger.updated_ms = self.book.clock()
            return trigger

    def move(
        self,
        symbol: str,
        *,
        last: Decimal | None = None,
        mark: Decimal | None = None,
        child_client_id: ChildId | None = None,
        child_order_id: ChildOrderId | None = None,
    ) -> list[Trigger]:
        """Move the last price (resting limits cross as before) and/or the mark, then fire the
        triggers crossed, oldest first. Returns the fired ones."""
        with self.book.lock:
            if last is not None:
                self.book.set_price(symbol, last)
            if mark is not None:
                self.marks[symbol] = mark
            elif last is not None:
                self.marks.pop(symbol, None)
            fired = []
            for trigger in self.open(symbol):
                watched = self.mark(symbol) if trigger.watch == "mark" else self.book.prices[symbol]
                crossed = (
                    watched >= trigger.trigger_price
                    if trigger.direction > 0
                    else watched <= trigger.trigger_price
                )
                if crossed:
                    self._fire(trigger, child_client_id, child_order_id)
                    fired.append(trigger)
            return fired

    def _fire(
        self, trigger: Trigger, child_id: ChildId | None, child_order_id: ChildOrderId | None
    ) -> None:
        now = self.book.clock()
        trigger.updated_ms = now
        pos = self.book.position(trigger.symbol).size
        closes = pos != 0 and (pos > 0) != (trigger.side == "BUY")
        qty = abs(pos) if trigger.close_position and closes else trigger.qty
        if not closes:
            trigger.status = "REJECTED"
            return
        try:
            trigger.child = self.book.place(
                symbol=trigger.symbol,
                side=trigger.side,
                type="MARKET" if trigger.price is None else "LIMIT",
                qty=qty,
                price=trigger.price,
                tif="GTC",
                reduce_only=True,
                post_only=False,
                client_id=child_id(trigger) if child_id else trigger.client_id,
                order_id=child_order_id(trigger) if child_order_id else None,
            )
        except Reject:
            trigger.status = "REJECTED"
            return
        trigger.status = "TRIGGERED"
