"""A venue-neutral, in-memory account at a loopback exchange: rules, prices, orders, fills, one-way
positions, wallet and funding. The venue modules only translate it to and from their wire format.

Deliberately simple and deterministic: market orders fill in full at the price table's last price;
marketable limits fill at the last price (taker); resting limits fill at their own price (maker) when
`set_price` crosses them. Every public method holds one lock, so a test thread may read while the
server's loop thread writes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

ZERO = Decimal(0)
TAKER_FEE = Decimal("0.0005")
MAKER_FEE = Decimal("0.0002")


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Rules:
    """What the venue enforces for one symbol. `kind` lets a venue list markets that are not linear
    swaps (quarterlies, inverse) so a client can be told so."""

    symbol: str
    base: str
    quote: str
    tick: Decimal
    step: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_notional: Decimal
    max_leverage: int = 125
    kind: Literal["linear_swap", "linear_future", "inverse_swap"] = "linear_swap"


class Reject(Exception):
    """A business rejection; the venue module turns `kind` into its own error code."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass
class BookOrder:
    order_id: int
    client_id: str
    symbol: str
    side: Literal["BUY", "SELL"]
    type: Literal["MARKET", "LIMIT"]
    qty: Decimal
    price: Decimal | None
    tif: str
    reduce_only: bool
    post_only: bool
    created_ms: int
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    updated_ms: int = 0

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")

    @property
    def sign(self) -> int:
        return 1 if self.side == "BUY" else -1


@dataclass
class BookTrade:
    trade_id: int
    order_id: int
    client_id: str
    symbol: str
    side: str
    qty: Decimal
    price: Decimal
    fee: Decimal
    realized_pnl: Decimal
    maker: bool
    time_ms: int


@dataclass
class BookPosition:
    symbol: str
    size: Decimal = ZERO
    entry: Decimal = ZERO
    updated_ms: int = 0


@dataclass
class FundingEvent:
    event_id: int
    symbol: str
    time_ms: int
    rate: Decimal
    mark: Decimal
    position_size: Decimal
    amount: Decimal


@dataclass
class Book:
    rules: dict[str, Rules]
    prices: dict[str, Decimal]
    wallet: Decimal
    asset: str = "USDT"
    # "open": a client id may be reused once its order is closed (Binance); "all": never (Bybit).
    unique_client_ids: Literal["open", "all"] = "open"
    # "reject": a post-only order that would take is refused (Binance -5022); "cancel": it is
    # accepted and cancelled at once (Bybit).
    post_only_policy: Literal["reject", "cancel"] = "reject"
    clock: Callable[[], int] = now_ms
    default_leverage: int = 20
    orders: list[BookOrder] = field(default_factory=list)
    trades: list[BookTrade] = field(default_factory=list)
    positions: dict[str, BookPosition] = field(default_factory=dict)
    funding: list[FundingEvent] = field(default_factory=list)
    leverage: dict[str, int] = field(default_factory=dict)
    margin_mode: dict[str, str] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _next_order_id: int = 8_389_765_500_000_000_000
    _next_trade_id: int = 1_000_000

    # ---- reading -------------------------------------------------------------------------------

    def rule(self, symbol: str) -> Rules:
        rules = self.rules.get(symbol)
        if rules is None:
            raise Reject("unknown_symbol", symbol)
        return rules

    def price(self, symbol: str) -> Decimal:
        return self.prices[self.rule(symbol).symbol]

    def position(self, symbol: str) -> BookPosition:
        with self.lock:
            return replace(self.positions.get(symbol, BookPosition(symbol)))

    def leverage_of(self, symbol: str) -> int:
        return self.leverage.get(symbol, self.default_leverage)

    def margin_mode_of(self, symbol: str) -> str:
        return self.margin_mode.get(symbol, "cross")

    def unrealized(self, symbol: str) -> Decimal:
        pos = self.positions.get(symbol)
        if pos is None or pos.size == 0:
            return ZERO
        return (self.prices[symbol] - pos.entry) * pos.size

    def total_unrealized(self) -> Decimal:
        return sum((self.unrealized(s) for s in self.positions), ZERO)

    def position_margin(self, symbol: str) -> Decimal:
        pos = self.positions.get(symbol)
        if pos is None or pos.size == 0:
            return ZERO
        return abs(pos.size) * self.prices[symbol] / self.leverage_of(symbol)

    def order_margin(self) -> Decimal:
        total = ZERO
        for order in self.orders:
            if order.is_open and not order.reduce_only and order.price is not None:
                remaining = order.qty - order.executed_qty
                total += remaining * order.price / self.leverage_of(order.symbol)
        return total

    def available(self) -> Decimal:
        with self.lock:
            used = sum((self.position_margin(s) for s in self.positions), ZERO)
            return self.wallet + self.total_unrealized() - used - self.order_margin()

    def find(
        self, symbol: str, *, order_id: int | None = None, client_id: str | None = None
    ) -> BookOrder | None:
        with self.lock:
            for order in reversed(self.orders):
                if order.symbol != symbol:
                    continue
                if order_id is not None and order.order_id == order_id:
                    return order
                if client_id is not None and order.client_id == client_id:
                    return order
            return None

    def open_orders(self, symbol: str | None = None) -> list[BookOrder]:
        with self.lock:
            return [o for o in self.orders if o.is_open and symbol in (None, o.symbol)]

    def trades_between(
        self, symbol: str | None, start_ms: int, end_ms: int, limit: int
    ) -> list[BookTrade]:
        with self.lock:
            rows = [
                t
                for t in self.trades
                if symbol in (None, t.symbol) and start_ms <= t.time_ms <= end_ms
            ]
            return rows[:limit]

    # ---- writing -------------------------------------------------------------------------------

    def set_leverage(self, symbol: str, leverage: int) -> None:
        rules = self.rule(symbol)
        if not 1 <= leverage <= rules.max_leverage:
            raise Reject("bad_leverage", f"{leverage} not in 1..{rules.max_leverage}")
        with self.lock:
            self.leverage[symbol] = leverage

    def set_margin_mode(self, symbol: str, mode: str) -> bool:
        """True when it changed; False when it already was `mode` (venues answer that specially)."""
        self.rule(symbol)
        with self.lock:
            if self.margin_mode_of(symbol) == mode:
                return False
            pos = self.positions.get(symbol)
            if pos is not None and pos.size != 0:
                raise Reject("margin_mode_with_position", symbol)
            self.margin_mode[symbol] = mode
            return True

    def place(
        self,
        *,
        symbol: str,
        side: Literal["BUY", "SELL"],
        type: Literal["MARKET", "LIMIT"],
        qty: Decimal,
        price: Decimal | None,
        tif: str,
        reduce_only: bool,
        post_only: bool,
        client_id: str,
        order_id: int | None = None,
    ) -> BookOrder:
        """`order_id`: the id to file it under (a fired conditional order that keeps its own)."""
        with self.lock:
            rules = self.rule(symbol)
            if rules.kind != "linear_swap":
                raise Reject("not_trading", symbol)
            self._check_rules(rules, type, qty, price, reduce_only)
            if client_id and any(
                o.client_id == client_id and (self.unique_client_ids == "all" or o.is_open)
                for o in self.orders
            ):
                raise Reject("duplicate_client_id", client_id)
            last = self.prices[symbol]
            pos = self.positions.get(symbol, BookPosition(symbol))
            sign = 1 if side == "BUY" else -1
            if reduce_only:
                if pos.size == 0 or (pos.size > 0) == (sign > 0):
                    raise Reject("reduce_only", f"position {pos.size}")
                qty = min(qty, abs(pos.size))
            marketable = type == "MARKET" or (
                price is not None and (price >= last if sign > 0 else price <= last)
            )
            if post_only and marketable and self.post_only_policy == "reject":
                raise Reject("post_only_would_take", f"{price} vs last {last}")
            if not reduce_only:
                self._check_margin(pos, sign, qty, price if type == "LIMIT" else last, symbol)
            order = BookOrder(
                order_id=self._new_order_id() if order_id is None else order_id,
                client_id=client_id,
                symbol=symbol,
                side=side,
                type=type,
                qty=qty,
                price=price,
                tif=tif,
                reduce_only=reduce_only,
                post_only=post_only,
                created_ms=self.clock(),
            )
            order.updated_ms = order.created_ms
            self.orders.append(order)
            if post_only and marketable:
                order.status = "CANCELED"
            elif marketable:
                self._fill(order, qty, last, maker=False)
            elif tif in ("IOC", "FOK"):
                order.status = "EXPIRED"
            return order

    def cancel(
        self, symbol: str, *, order_id: int | None = None, client_id: str | None = None
    ) -> BookOrder:
        with self.lock:
            order = self.find(symbol, order_id=order_id, client_id=client_id)
            if order is None or not order.is_open:
                raise Reject("unknown_order", f"{order_id or client_id}")
            order.status = "CANCELED"
            order.updated_ms = self.clock()
            return order

    def set_price(self, symbol: str, price: Decimal) -> list[BookOrder]:
        """Move the last price and fill resting limits it crosses, at their own price (maker)."""
        with self.lock:
            self.prices[symbol] = price
            filled = []
            for order in self.orders:
                if not (order.is_open and order.symbol == symbol and order.price is not None):
                    continue
                crossed = price <= order.price if order.sign > 0 else price >= order.price
                if crossed:
                    self._fill(order, order.qty - order.executed_qty, order.price, maker=True)
                    filled.append(order)
            return filled

    def settle_funding(
        self, symbol: str, rate: Decimal, time_ms: int | None = None
    ) -> FundingEvent:
        """Pay or receive funding on the open position at the current price (as the mark)."""
        with self.lock:
            pos = self.positions.get(symbol, BookPosition(symbol))
            mark = self.prices[symbol]
            amount = -pos.size * mark * rate
            self.wallet += amount
            event = FundingEvent(
                event_id=len(self.funding) + 1,
                symbol=symbol,
                time_ms=self.clock() if time_ms is None else time_ms,
                rate=rate,
                mark=mark,
                position_size=pos.size,
                amount=amount,
            )
            self.funding.append(event)
            return event

    # ---- internals -----------------------------------------------------------------------------

    def _check_rules(
        self, rules: Rules, type: str, qty: Decimal, price: Decimal | None, reduce_only: bool
    ) -> None:
        if qty <= 0:
            raise Reject("qty_not_positive", str(qty))
        if qty % rules.step != 0:
            raise Reject("qty_precision", f"{qty} is not a multiple of {rules.step}")
        if qty < rules.min_qty:
            raise Reject("qty_too_small", f"{qty} < {rules.min_qty}")
        if qty > rules.max_qty:
            raise Reject("qty_too_large", f"{qty} > {rules.max_qty}")
        if type == "LIMIT":
            if price is None or price <= 0:
                raise Reject("price_missing", str(price))
            if price % rules.tick != 0:
                raise Reject("price_precision", f"{price} is not a multiple of {rules.tick}")
        ref = price if price is not None else self.prices[rules.symbol]
        if not reduce_only and qty * ref < rules.min_notional:
            raise Reject("min_notional", f"{qty * ref} < {rules.min_notional}")

    def _check_margin(
        self, pos: BookPosition, sign: int, qty: Decimal, ref_price: Decimal | None, symbol: str
    ) -> None:
        assert ref_price is not None
        if pos.size == 0 or (pos.size > 0) == (sign > 0):
            increasing = qty
        else:
            increasing = max(ZERO, qty - abs(pos.size))
        required = increasing * ref_price / self.leverage_of(symbol)
        if required > self.available():
            raise Reject("insufficient_margin", f"needs {required}, has {self.available()}")

    def _new_order_id(self) -> int:
        self._next_order_id += 1
        return self._next_order_id

    def _fill(self, order: BookOrder, qty: Decimal, price: Decimal, *, maker: bool) -> None:
        now = self.clock()
        fee = qty * price * (MAKER_FEE if maker else TAKER_FEE)
        realized = self._apply_to_position(order.symbol, order.sign * qty, price, now)
        self.wallet += realized - fee
        order.executed_qty += qty
        order.cum_quote += qty * price
        order.status = "FILLED" if order.executed_qty >= order.qty else "PARTIALLY_FILLED"
        order.updated_ms = now
        self._next_trade_id += 1
        self.trades.append(
            BookTrade(
                trade_id=self._next_trade_id,
                order_id=order.order_id,
                client_id=order.client_id,
                symbol=order.symbol,
                side=order.side,
                qty=qty,
                price=price,
                fee=fee,
                realized_pnl=realized,
                maker=maker,
                time_ms=now,
            )
        )

    def _apply_to_position(self, symbol: str, signed: Decimal, price: Decimal, now: int) -> Decimal:
        pos = self.positions.setdefault(symbol, BookPosition(symbol))
        pos.updated_ms = now
        old = pos.size
        if old == 0 or (old > 0) == (signed > 0):
            new = old + signed
            pos.entry = (pos.entry * abs(old) + price * abs(signed)) / abs(new)
            pos.size = new
            return ZERO
        closing = min(abs(old), abs(signed))
        realized = (price - pos.entry) * closing * (1 if old > 0 else -1)
        new = old + signed
        if new == 0:
            pos.entry = ZERO
        elif (new > 0) != (old > 0):
            pos.entry = price
        pos.size = new
        return realized

    def snapshot(self) -> dict[str, object]:
        """A JSON-able view for `GET /__test__/state` and the state file."""
        with self.lock:
            return {
                "asset": self.asset,
                "wallet": str(self.wallet),
                "prices": {s: str(p) for s, p in self.prices.items()},
                "positions": [
                    {"symbol": p.symbol, "size": str(p.size), "entry": str(p.entry)}
                    for p in self.positions.values()
                    if p.size != 0
                ],
                "leverage": dict(self.leverage),
                "margin_mode": dict(self.margin_mode),
                "orders": [order_json(o) for o in self.orders],
                "trades": [
                    {
                        "trade_id": t.trade_id,
                        "order_id": t.order_id,
                        "client_id": t.client_id,
                        "symbol": t.symbol,
                        "side": t.side,
                        "qty": str(t.qty),
                        "price": str(t.price),
                        "fee": str(t.fee),
                        "maker": t.maker,
                        "time_ms": t.time_ms,
                    }
                    for t in self.trades
                ],
            }


def order_json(order: BookOrder) -> dict[str, object]:
    return {
        "order_id": order.order_id,
        "client_id": order.client_id,
        "symbol": order.symbol,
        "side": order.side,
        "type": order.type,
        "qty": str(order.qty),
        "price": None if order.price is None else str(order.price),
        "tif": order.tif,
        "reduce_only": order.reduce_only,
        "post_only": order.post_only,
        "status": order.status,
        "executed_qty": str(order.executed_qty),
        "avg_price": str(order.avg_price),
        "created_ms": order.created_ms,
    }
