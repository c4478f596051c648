"""Conditional (protective) orders on the simulated exchange, as Binance USDⓈ-M holds them:
stop-market, take-profit-market and stop-limit, always reduce-only, watching the mark price
(`workingType=MARK_PRICE`) or the last price (`CONTRACT_PRICE`). A mixin of SimExchange.

- Placing: refused when the watched price already stands at or beyond the trigger (Binance's -2021
  "would immediately trigger"), and close-position on a stop-limit (Binance allows it on the two
  market kinds only). Accepted without a position: as on Binance, the reduce-only check happens
  when it triggers.
- Triggering: a sell stop (and a buy take-profit) when the watched price falls to the trigger, a buy
  stop (and a sell take-profit) when it rises to it; touching is enough. Mark triggers read the mark
  candle's range, last-price triggers the trade candle's. Orders act from the first candle opening
  at or after their placement.
- On trigger, with no position it could reduce (closed by other means, or flipped) the order
  expires, as Binance's do: it is not cancelled when the position goes. A stop-market or
  take-profit-market executes as a taker market order from its trigger price, or from the trade
  candle's open when the watched price opened beyond the trigger (a gap: a stop then fills worse
  than its trigger), with the spread, impact and bankruptcy floor of any taker order. It closes the
  whole position when close-position is set, else at most its size (clipped to the position, the
  rest expires). A stop-limit becomes a limit order: the part that crosses the quote fills as taker
  (never beyond its limit, up to the candle's volume share), the rest rests in the book from the
  next candle on, still reduce-only.
- Within one candle (see `_triggered`): orders whose watched price opened beyond the trigger act
  first (at the open); then stops before take-profits (`IntrabarOrder.PESSIMISTIC`, the default) or
  the reverse, nearer triggers first. A trigger beyond the liquidation price waits for the
  liquidation check (candles.py), which cancels it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot_v2.adapters.brokers.sim.events import SimEvent
from bot_v2.adapters.brokers.sim.orders import OrderDesk, _reduces
from bot_v2.adapters.brokers.sim.settings import IntrabarOrder
from bot_v2.adapters.brokers.sim.state import OrderState
from bot_v2.adapters.replay.columns import exact
from bot_v2.domain.errors import InvalidOrder, OrderNotFound
from bot_v2.domain.market import MarketSpec
from bot_v2.domain.money import ZERO
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus, OrderType, Side, TriggerPrice


def triggers_on_fall(kind: OrderType, side: Side) -> bool:
    """Whether the order triggers when the price falls to its trigger (else when it rises)."""
    return (kind is OrderType.TAKE_PROFIT_MARKET) == (side is Side.BUY)


def reaches(kind: OrderType, side: Side, trigger: Decimal, low: Decimal, high: Decimal) -> bool:
    """Whether a price range [low, high] reaches the trigger of such an order."""
    return low <= trigger if triggers_on_fall(kind, side) else high >= trigger


def reached(order: OrderState, low: Decimal, high: Decimal) -> bool:
    assert order.trigger_price is not None
    return reaches(order.type, order.side, order.trigger_price, low, high)


def _seq(order: OrderState) -> int:
    return int(order.exchange_order_id.rsplit("-", 1)[-1])


class TriggerDesk(OrderDesk):
    # Held by SimExchange: untriggered conditional orders, per symbol.
    _conditional: dict[str, list[OrderState]]
    _symbols: tuple[str, ...]

    def spec(self, symbol: str) -> MarketSpec:
        raise NotImplementedError

    def _now(self) -> int:
        raise NotImplementedError

    def _caught_up(self, now_ms: int) -> list[SimEvent]:
        """advance(now_ms)'s events."""
        raise NotImplementedError

    # -- calls ----------------------------------------------------------------------------------
    def place_conditional(self, request: OrderRequest, now_ms: int) -> tuple[Order, list[SimEvent]]:
        events = self._caught_up(now_ms)
        now = self._now()
        spec = self.spec(request.symbol)
        if not request.type.is_conditional:
            raise InvalidOrder(f"{request.type.value} is not a conditional order type")
        if request.client_order_id in self.state.orders:
            raise InvalidOrder(f"duplicate client order id {request.client_order_id}")
        self._validate(request, spec)
        trigger = request.trigger_price
        assert trigger is not None  # OrderRequest checks it for conditional types
        if trigger % spec.tick_size != 0:
            raise InvalidOrder(
                f"trigger price {trigger} is not a multiple of tick {spec.tick_size}"
            )
        if request.close_position and request.type is OrderType.STOP_LIMIT:
            raise InvalidOrder("close_position needs a stop-market or take-profit-market order")
        current = self._watched_now(request.symbol, request.trigger_by, now)
        if current is None:
            raise InvalidOrder(f"no price for {request.symbol} yet")
        if reaches(request.type, request.side, trigger, current, current):
            raise InvalidOrder(
                f"{request.type.value} {request.side.value} at {trigger} would trigger "
                f"immediately: the {request.trigger_by.value} price is {current}"
            )
        order = self._new_order(request, now)
        self._conditional.setdefault(order.symbol, []).append(order)
        return self._record_order(order, events), events

    def cancel_conditional(
        self, symbol: str, client_order_id: str, now_ms: int
    ) -> tuple[Order, list[SimEvent]]:
        events = self._caught_up(now_ms)
        order = self.state.orders.get(client_order_id)
        if (
            order is None
            or order.symbol != symbol
            or not order.type.is_conditional
            or not order.status.is_open
        ):
            raise OrderNotFound(f"no open conditional order {client_order_id} on {symbol}")
        self._drop_conditional(order)
        self._close_order(order, OrderStatus.CANCELED, events)
        return order.to_order(), events

    def conditional_orders(self, symbols: Sequence[str]) -> list[Order]:
        """Open conditional orders: untriggered ones, and triggered stop-limits resting in the book
        (still the protective order the bot placed)."""
        wanted = set(symbols)
        out = []
        for symbol in self._symbols:
            if symbol in wanted:
                out += [o.to_order() for o in self._conditional.get(symbol, ())]
                out += [o.to_order() for o in self._open.get(symbol, ()) if o.type.is_conditional]
        return out

    def conditional(self, symbol: str) -> Sequence[OrderState]:
        """The symbol's untriggered conditional orders (BookView)."""
        return self._conditional.get(symbol, ())

    # -- on a candle ----------------------------------------------------------------------------
    def _triggered(self, symbol: str, k: int) -> list[tuple[OrderState, bool]]:
        """(order, whether it gapped) for the untriggered orders whose trigger candle k reached, in
        the order they act: gapped ones at the open first, then stops and take-profits in the
        intrabar order, nearer triggers first; placement order breaks ties."""
        orders = self._conditional.get(symbol)
        if not orders:
            return []
        open_ms = int(self._series[symbol].columns.open_ms[k])
        stops_first = self.settings.intrabar_order is IntrabarOrder.PESSIMISTIC
        keyed = []
        for order in orders:
            if order.created_ms > open_ms:
                continue
            start, high, low = self._watched(symbol, k, order.trigger_by)
            if not reached(order, low, high):
                continue
            assert order.trigger_price is not None
            gapped = reached(order, start, start)
            is_stop = order.type is not OrderType.TAKE_PROFIT_MARKET
            rank = 0 if gapped else (1 if is_stop == stops_first else 2)
            distance = ZERO if gapped else abs(order.trigger_price - start)
            keyed.append(((rank, distance, _seq(order)), order, gapped))
        keyed.sort(key=lambda item: item[0])
        return [(order, gapped) for _, order, gapped in keyed]

    def _watched(self, symbol: str, k: int, by: TriggerPrice) -> tuple[Decimal, Decimal, Decimal]:
        """(open, high, low) of the price a trigger watches in candle k: the mark candle's (the
        trade candle's where the mark series has no row) or the trade candle's."""
        series = self._series[symbol]
        columns = series.columns
        if by is TriggerPrice.MARK and int(series.mark_row[k]) >= 0:
            return (
                exact(series.mark_open[k]),
                series.mark_extreme(k, high=True),
                series.mark_extreme(k, high=False),
            )
        return columns.price("open", k), columns.price("high", k), columns.price("low", k)

    def _watched_now(self, symbol: str, by: TriggerPrice, now: int) -> Decimal | None:
        if by is TriggerPrice.MARK:
            return self._series[symbol].mark_at(now)
        found = self._reference(symbol, now)
        return found[1] if found is not None else None

    def _trigger(
        self, order: OrderState, k: int, gapped: bool, ts: int, events: list[SimEvent]
    ) -> None:
        """Execute a triggered order in candle k (see the module docstring)."""
        symbol = order.symbol
        self._drop_conditional(order)
        order.triggered_ms = ts
        size = self._position(symbol).size
        if not _reduces(size, order.side):
            self._close_order(order, OrderStatus.EXPIRED, events)
            return
        if order.close_position:
            order.size = abs(size)
        qty = min(order.remaining, abs(size))
        trigger = order.trigger_price
        assert trigger is not None
        # Triggered inside the candle: as the price passed the trigger. At its open (a gap): the
        # trade price then, beyond a stop's trigger (worse), beyond a take-profit's (better).
        reference = self._series[symbol].columns.price("open", k) if gapped else trigger
        taker = self._taker_price(symbol, k, order.side, qty, order.client_order_id, reference)
        if order.type is OrderType.STOP_LIMIT:
            self._becomes_limit(order, k, qty, reference, taker, ts, events)
            return
        self._fill(order, qty, self._solvent(order, qty, taker), False, ts, events)
        if order.remaining > 0:
            self._close_order(order, OrderStatus.EXPIRED, events, record=False)
        self._record_order(order, events)

    def _becomes_limit(
        self,
        order: OrderState,
        k: int,
        qty: Decimal,
        reference: Decimal,
        taker: Decimal,
        ts: int,
        events: list[SimEvent],
    ) -> None:
        symbol = order.symbol
        assert order.price is not None
        marketable, price = self._limit_terms(symbol, order.side, order.price, reference, taker)
        if marketable:
            take = min(qty, self._liquidity(symbol, k, self._markets[symbol]))
            if take > 0:
                self._fill(order, take, self._solvent(order, take, price), False, ts, events)
        if order.remaining > 0:
            self._open.setdefault(symbol, []).append(order)
        self._record_order(order, events)

    def _drop_conditional(self, order: OrderState) -> None:
        pending = self._conditional.get(order.symbol, [])
        if order in pending:
            pending.remove(order)
