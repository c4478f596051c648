"""The exchange's order desk: checking an order, executing it as a taker or resting it, and booking
each execution into the position, the wallet and (isolated) the position margin. A mixin of
SimExchange (exchange.py), which holds the state these methods work on."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.adapters.brokers.sim import pricing
from bot_v2.adapters.brokers.sim.account import Account
from bot_v2.adapters.brokers.sim.events import Filled, OrderChanged, SimEvent
from bot_v2.adapters.brokers.sim.margin import max_notional_at
from bot_v2.adapters.brokers.sim.settings import MarginMode, SimSettings
from bot_v2.adapters.brokers.sim.state import ExchangeState, OrderState, PositionState
from bot_v2.adapters.brokers.sim.valuation import InstantValuation
from bot_v2.adapters.replay.feed import SymbolSeries
from bot_v2.domain.errors import InsufficientFunds, InvalidOrder
from bot_v2.domain.fills import Fill
from bot_v2.domain.market import LeverageTier, MarketSpec
from bot_v2.domain.money import ZERO, floor_to_step
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from bot_v2.domain.positions import Position, apply_fill

LIQUIDATION_PREFIX = "sim-liquidation-"


class OrderDesk:
    # Held by SimExchange.
    settings: SimSettings
    state: ExchangeState
    account: Account
    _series: dict[str, SymbolSeries]
    _markets: dict[str, MarketSpec]
    _tiers: dict[str, tuple[LeverageTier, ...]]
    _open: dict[str, list[OrderState]]
    _fill_ms: list[int]
    _dirty_orders: dict[str, OrderState]
    _account_dirty: bool
    _orders_version: int
    _caps: dict[tuple[str, Decimal], Decimal]

    def mark(self, symbol: str) -> Decimal:
        raise NotImplementedError

    def _touch(self, symbol: str) -> None:
        raise NotImplementedError

    def _valuation(self) -> InstantValuation:
        raise NotImplementedError

    def _position(self, symbol: str) -> PositionState:
        return self.state.positions.get(symbol) or PositionState()

    def _validate(self, request: OrderRequest, spec: MarketSpec) -> None:
        if request.size % spec.step_size != 0 or request.size < spec.min_size:
            raise InvalidOrder(
                f"size {request.size} is not a multiple of step {spec.step_size} "
                f"or below the minimum {spec.min_size}"
            )
        if request.price is not None and request.price % spec.tick_size != 0:
            raise InvalidOrder(f"price {request.price} is not a multiple of tick {spec.tick_size}")
        if request.post_only and (
            request.type is not OrderType.LIMIT or request.time_in_force is not TimeInForce.GTC
        ):
            raise InvalidOrder("post-only needs a GTC limit order")

    def _reference(self, symbol: str, now: int) -> tuple[int, Decimal] | None:
        """(index of the candle a taker order executes in, its reference price): the candle
        opening at or after now and its open, else the last candle and its close."""
        columns = self._series[symbol].columns
        i = columns.index_opening_at_or_after(now)
        if i < len(columns):
            return i, columns.price("open", i)
        if len(columns) == 0:
            return None
        return len(columns) - 1, columns.price("close", len(columns) - 1)

    def best_quotes(self, symbol: str) -> tuple[Decimal, Decimal]:
        """(best bid, best ask) that an order placed now meets: the quote around the price a taker
        order would execute from (`_reference`); what a maker entry rests at (ports/touch.py)."""
        price_ref = self._reference(symbol, self._now())
        if price_ref is None:
            raise InvalidOrder(f"no price for {symbol} yet")
        tick = self._markets[symbol].tick_size
        spread = self.settings.spread_bps
        reference = price_ref[1]
        return (
            pricing.quote(reference, spread, tick, Side.SELL),
            pricing.quote(reference, spread, tick, Side.BUY),
        )

    def _now(self) -> int:
        raise NotImplementedError

    def _taker_terms(
        self, request: OrderRequest, spec: MarketSpec, index: int, reference: Decimal
    ) -> tuple[bool, Decimal]:
        """(whether the order takes liquidity now, the price it would pay as a taker)."""
        taker = self._taker_price(
            request.symbol, index, request.side, request.size, request.client_order_id, reference
        )
        if request.type is OrderType.MARKET:
            return True, taker
        assert request.price is not None
        return self._limit_terms(request.symbol, request.side, request.price, reference, taker)

    def _taker_price(
        self, symbol: str, index: int, side: Side, size: Decimal, key: str, reference: Decimal
    ) -> Decimal:
        """Half the spread and the impact of `size` in candle `index` beyond `reference`; the noise
        on the impact is drawn by `key` (the client order id)."""
        settings = self.settings
        columns = self._series[symbol].columns
        impact = pricing.impact_fraction(
            settings.slippage,
            float(columns.high[index]),
            float(columns.low[index]),
            float(columns.open[index]),
            size,
            float(columns.volume[index]),
        )
        if settings.slippage_noise > 0 and impact > 0:
            u = pricing.draw(settings.seed, key)
            impact *= 1 + settings.slippage_noise * Decimal(repr(u))
        tick = self._markets[symbol].tick_size
        return pricing.taker_price(reference, settings.spread_bps, impact, tick, side)

    def _limit_terms(
        self, symbol: str, side: Side, limit: Decimal, reference: Decimal, taker: Decimal
    ) -> tuple[bool, Decimal]:
        """Whether a limit at `limit` crosses the quote around `reference`, and the price it then
        pays as a taker: never beyond its limit."""
        tick = self._markets[symbol].tick_size
        best = pricing.quote(reference, self.settings.spread_bps, tick, side)
        crosses = limit >= best if side is Side.BUY else limit <= best
        if not crosses:
            return False, taker
        return True, min(taker, limit) if side is Side.BUY else max(taker, limit)

    def _check_margin(self, request: OrderRequest, spec: MarketSpec, price: Decimal) -> None:
        position = self._position(request.symbol)
        opening = _opening_size(position.size, request.side, request.size)
        if opening <= 0:
            return
        leverage = self.account.leverage(request.symbol)
        resulting = abs(position.size + request.side.sign * request.size)
        cap = self._cap(request.symbol, leverage)
        if resulting * price > cap:
            raise InvalidOrder(
                f"{request.symbol} position of {resulting} would exceed the {cap} notional "
                f"allowed at {leverage}x"
            )
        if request.size * price < spec.min_notional:
            raise InvalidOrder(
                f"order notional {request.size * price:.4f} is below the minimum {spec.min_notional}"
            )
        # Like Binance, the initial margin includes the open loss: what the order pays above the mark.
        mark = self.mark(request.symbol)
        needed = opening * price / leverage + _open_loss(opening, price, request.side, mark)
        available = self._valuation().available()
        closing = request.size - opening
        if closing > 0:
            # A flip first closes: that frees the closed part's margin and realizes it at `price`.
            sign = 1 if position.size > 0 else -1
            if self.account.mode(request.symbol) is MarginMode.ISOLATED:
                freed = position.margin * closing / abs(position.size)
                available += freed + (price - position.entry_price) * closing * sign
            else:
                available += closing * mark / leverage + (price - mark) * closing * sign
        if needed > available:
            raise InsufficientFunds(f"margin {needed:.2f} needed, {available:.2f} available")

    def _cap(self, symbol: str, leverage: Decimal) -> Decimal:
        """max_notional_at for the symbol's tiers, once per leverage (every opening order asks)."""
        key = (symbol, leverage)
        cap = self._caps.get(key)
        if cap is None:
            cap = self._caps[key] = max_notional_at(self._tiers[symbol], leverage)
        return cap

    def _new_order(self, request: OrderRequest, now: int) -> OrderState:
        self.state.order_seq += 1
        return OrderState(
            client_order_id=request.client_order_id,
            exchange_order_id=f"sim-{self.state.order_seq}",
            symbol=request.symbol,
            side=request.side,
            type=request.type,
            size=request.size,
            price=request.price,
            reduce_only=request.reduce_only,
            time_in_force=request.time_in_force,
            post_only=request.post_only,
            created_ms=now,
            updated_ms=now,
            trigger_price=request.trigger_price,
            trigger_by=request.trigger_by,
            close_position=request.close_position,
        )

    def _record_order(self, order: OrderState, events: list[SimEvent]) -> Order:
        """Record the order's new state; returns it as reported (the event's value)."""
        self.state.orders[order.client_order_id] = order
        self._dirty_orders[order.client_order_id] = order
        self._account_dirty = True
        self._orders_version += 1
        reported = order.to_order()
        events.append(OrderChanged(reported))
        return reported

    def _execute(
        self,
        order: OrderState,
        spec: MarketSpec,
        index: int,
        marketable: bool,
        taker: Decimal,
        events: list[SimEvent],
    ) -> Order:
        """Execute a new order at once as far as it can be; returns its state after that."""
        now = order.created_ms
        self.state.orders[order.client_order_id] = order
        if order.type is OrderType.MARKET:
            qty = self._clip_reduce_only(order, order.size)
            if qty > 0:
                self._fill(order, qty, self._solvent(order, qty, taker), False, now, events)
            if order.remaining > 0:
                self._close_order(order, OrderStatus.EXPIRED, events, record=False)
            return self._record_order(order, events)
        if marketable:
            liquidity = self._liquidity(order.symbol, index, spec)
            tif = order.time_in_force
            if tif is TimeInForce.FOK and liquidity < order.size:
                self._close_order(order, OrderStatus.EXPIRED, events, record=False)
                return self._record_order(order, events)
            qty = self._clip_reduce_only(order, min(order.remaining, liquidity))
            if qty > 0:
                self._fill(order, qty, self._solvent(order, qty, taker), False, now, events)
        elif order.time_in_force is not TimeInForce.GTC:
            self._close_order(order, OrderStatus.EXPIRED, events, record=False)
            return self._record_order(order, events)
        if order.remaining > 0:
            if order.time_in_force is TimeInForce.GTC:
                self._open.setdefault(order.symbol, []).append(order)
            else:
                self._close_order(order, OrderStatus.EXPIRED, events, record=False)
        return self._record_order(order, events)

    def _solvent(self, order: OrderState, qty: Decimal, price: Decimal) -> Decimal:
        """A closing taker fill never takes the account below zero: beyond the bankruptcy price the
        rest is the insurance fund's, as on a real venue. Only extreme impact ever gets there."""
        size = self._position(order.symbol).size
        closing = min(abs(size), qty) if _reduces(size, order.side) else ZERO
        if closing == 0:
            return price
        mark = self.mark(order.symbol)
        if (price - mark) * (1 if size > 0 else -1) >= 0:
            return price  # no worse than the mark: equity does not move
        equity = self._valuation().equity()
        spec = self._markets[order.symbol]
        # Closing at p instead of the mark changes equity by closing * (p - mark) * sign(position).
        if size > 0:
            floor = pricing.on_tick(mark - equity / closing, spec.tick_size, Side.BUY)
            return max(price, floor)
        ceiling = pricing.on_tick(mark + equity / closing, spec.tick_size, Side.SELL)
        return min(price, ceiling)

    def _liquidity(self, symbol: str, index: int, spec: MarketSpec) -> Decimal:
        volume = self._series[symbol].columns.price("volume", index)
        return floor_to_step(volume * self.settings.volume_share, spec.step_size)

    def _clip_reduce_only(self, order: OrderState, qty: Decimal) -> Decimal:
        """A reduce-only order never grows the position nor flips it."""
        if not order.reduce_only:
            return qty
        size = self._position(order.symbol).size
        if not _reduces(size, order.side):
            return ZERO
        return min(qty, abs(size))

    def _close_order(
        self,
        order: OrderState,
        status: OrderStatus,
        events: list[SimEvent],
        record: bool = True,
    ) -> None:
        order.status = status
        order.updated_ms = self.state.clock_ms or order.created_ms
        resting = self._open.get(order.symbol, [])
        if order in resting:
            resting.remove(order)
        if record:
            self._record_order(order, events)

    def _fill(
        self,
        order: OrderState | None,
        qty: Decimal,
        price: Decimal,
        is_maker: bool,
        ts: int,
        events: list[SimEvent],
        *,
        symbol: str = "",
        side: Side | None = None,
        liquidation: bool = False,
        fee_override: Decimal | None = None,
    ) -> Fill:
        """Apply one execution to the position, the wallet and (isolated) the position margin."""
        symbol = order.symbol if order is not None else symbol
        side = order.side if order is not None else side
        assert side is not None
        state = self.state
        before = self._position(symbol)
        effect = apply_fill(Position(symbol, before.size, before.entry_price), side, qty, price)
        rate = self.settings.maker(symbol) if is_maker else self.settings.taker(symbol)
        fee = fee_override if fee_override is not None else qty * price * rate
        margin = before.margin
        if self.account.mode(symbol) is MarginMode.ISOLATED:
            closing = min(abs(before.size), qty) if _reduces(before.size, side) else ZERO
            if closing > 0:
                margin -= margin * closing / abs(before.size)
            opening = qty - closing
            if opening > 0:
                margin += opening * price / self.account.leverage(symbol)
                if not is_maker and not liquidation:
                    margin += _open_loss(opening, price, side, self.mark(symbol))
        after = effect.position
        if after.size == 0:
            state.positions.pop(symbol, None)
        else:
            state.positions[symbol] = PositionState(after.size, after.entry_price, margin)
        self._touch(symbol)
        state.wallet += effect.realized_pnl
        if fee_override is None and not is_maker and fee > 0:
            # A taker fee never takes equity below zero either (see _solvent).
            fee = min(fee, max(self._valuation().equity(), ZERO))
        state.wallet -= fee
        state.fill_seq += 1
        if order is not None:
            order.filled += qty
            order.filled_value += qty * price
            order.updated_ms = ts
            order.status = (
                OrderStatus.FILLED if order.remaining == 0 else OrderStatus.PARTIALLY_FILLED
            )
            if order.status is OrderStatus.FILLED:
                resting = self._open.get(symbol, [])
                if order in resting:
                    resting.remove(order)
            coid, eid = order.client_order_id, order.exchange_order_id
        else:
            coid = eid = f"{LIQUIDATION_PREFIX}{state.fill_seq}"
        fill = Fill(
            fill_id=f"sim-fill-{state.fill_seq}",
            client_order_id=coid,
            exchange_order_id=eid,
            symbol=symbol,
            side=side,
            size=qty,
            price=price,
            fee=fee,
            timestamp_ms=ts,
            is_maker=is_maker,
            liquidation=liquidation,
        )
        state.fills.append(fill)
        self._fill_ms.append(ts)
        events.append(Filled(fill))
        return fill


def _reduces(size: Decimal, side: Side) -> bool:
    return size != 0 and (size > 0) != (side is Side.BUY)


def _opening_size(size: Decimal, side: Side, qty: Decimal) -> Decimal:
    """The part of an order that adds exposure: all of it, or what is left after closing."""
    if size == 0 or (size > 0) == (side is Side.BUY):
        return qty
    return max(qty - abs(size), ZERO)


def _open_loss(qty: Decimal, price: Decimal, side: Side, mark: Decimal) -> Decimal:
    """What a taker pays beyond the mark: a loss the position starts with."""
    return qty * max((price - mark) * side.sign, ZERO)
