"""SimExchange: a perpetual-futures exchange over recorded candles, pure and synchronous. Every call
takes the time explicitly and first brings the exchange up to it; what happened comes back as events.

The market is the candle series of each symbol. Between calls, in time order:
- a candle's trading [open, close) is processed at its close: resting limit orders that the price
  traded through fill at their price (maker), up to `volume_share` of the candle's volume per side;
  then the position is liquidated at its liquidation price if the mark (mark candle, else trade
  candle) reached it;
- funding settles at each timestamp of the symbol's funding series, on the position held at that
  instant (a candle that closes at the same instant comes first), valued at the mark then.
A call at time T sees every event up to T; orders it places act from T on. Market orders execute on
the candle opening at T, at its open plus half the spread plus impact. Processing a stretch in one
call or in many gives the same result, so a backtest may jump over quiet stretches.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from bot_v2.adapters.brokers.sim import pricing
from bot_v2.adapters.brokers.sim.account import Account, unrealized
from bot_v2.adapters.brokers.sim.events import (
    Filled,
    FundingSettled,
    Liquidated,
    OrderChanged,
    SimEvent,
)
from bot_v2.adapters.brokers.sim.margin import (
    default_tiers,
    maintenance_margin,
    max_leverage,
    max_notional_at,
)
from bot_v2.adapters.brokers.sim.scan import first_candidate, mark_envelope
from bot_v2.adapters.brokers.sim.settings import MarginMode, SimSettings
from bot_v2.adapters.brokers.sim.state import (
    ExchangeState,
    OrderState,
    PositionState,
    account_record,
)
from bot_v2.adapters.brokers.sim.valuation import InstantValuation
from bot_v2.adapters.replay.feed import SymbolSeries
from bot_v2.domain.account import Balance, PositionReport
from bot_v2.domain.errors import InsufficientFunds, InvalidOrder, InvalidSymbol, OrderNotFound
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.market import MarketSpec
from bot_v2.domain.money import ZERO, floor_to_step
from bot_v2.domain.orders import (
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from bot_v2.domain.positions import Position, apply_fill

LIQUIDATION_PREFIX = "sim-liquidation-"
# Relative room for Decimal rounding in the account-level liquidation check (see _WorstCross.safe).
_HEALTH_SLACK = Decimal("1e-9")
# At most how many candles a look for the next event reaches beyond the call's time while quiet
# time goes on (see _next_step): one numpy pass over them, then a comparison per call.
_LOOK_AHEAD = 1024


@attrs.frozen
class Advance:
    events: list[SimEvent]
    # With stop_before_change: the time of the first candle on which the account would change by
    # itself (a fill or a liquidation); the exchange stopped just before it.
    stopped_at_ms: int | None = None


@attrs.frozen
class Changes:
    """What changed since the last `take_changes`, for persistence."""

    account: dict[str, object]
    orders: list[OrderState]
    fills: list[Fill]
    funding: list[FundingPayment]
    liquidations: list[Liquidated]


@attrs.frozen
class _Step:
    """The first instant after the clock at which something may happen to the account, as looked
    at under one `_version` and `_orders_version`: candles closing then that need an exact look (`hits`), funding due
    then, or neither: the end of the look, up to which nothing happens."""

    version: int
    orders_version: int
    at_ms: int
    hits: list[tuple[str, int]]
    funding: bool
    # A liquidation bound came from other cross positions' marks over the stretch looked at (see
    # _worst_cross): a longer look would loosen it.
    windowed: bool
    # How far beyond the call's time the look reached.
    ahead_ms: int = 0

    @property
    def nothing_found(self) -> bool:
        return not (self.hits or self.funding or self.windowed)


@attrs.frozen
class _WorstCross:
    """Every open cross position at its worst mark over one stretch of time (see `_worst_cross`),
    and the sums the liquidation scan needs for each symbol's "other positions"."""

    each: dict[str, tuple[Decimal, Decimal]]
    upnl: Decimal
    maint: Decimal
    cross_wallet: Decimal

    @property
    def safe(self) -> bool:
        """No cross position can be liquidated over the stretch.

        A cross position is liquidated when the account's cross margin balance (cross wallet +
        every cross position's unrealized PnL) falls to its maintenance margin, with its own mark
        at the candle's extreme and the others' at the candle's open: the liquidation price is
        the price where that happens, and the balance less the maintenance margin moves
        monotonically with the position's own mark (maintenance margin is continuous and
        increasing in the notional across Binance's brackets). Every mark involved lies in the
        envelope, so with every position at its worst mark the balance less the maintenance
        margin is a lower bound for all of them; above zero by more than rounding, none can be
        liquidated and the scan need not compute one liquidation price per position."""
        health = self.cross_wallet + self.upnl - self.maint
        scale = abs(self.cross_wallet) + abs(self.upnl) + abs(self.maint)
        return health > scale * _HEALTH_SLACK

    def excluding(self, symbol: str) -> tuple[Decimal, Decimal]:
        """(unrealized PnL, maintenance margin) of the cross positions other than `symbol`: the
        sums less its own terms, O(1) instead of a walk over every other position (which made a
        cycle O(positions²)). In 28 digits the difference may round where a sum over the others
        would not, by far less than the scan's SLACK: the scan only needs a bound, and every
        candidate it names is checked exactly (`_liquidation_trigger`)."""
        own = self.each.get(symbol)
        if own is None:
            return self.upnl, self.maint
        return self.upnl - own[0], self.maint - own[1]


class SimExchange:
    def __init__(
        self,
        series: Mapping[str, SymbolSeries],
        markets: Mapping[str, MarketSpec],
        settings: SimSettings,
        state: ExchangeState | None = None,
    ) -> None:
        self.settings = settings
        self._series = dict(series)
        self._markets = dict(markets)
        self._symbols = tuple(s for s in self._series if s in self._markets)
        self._tiers = {
            s: spec.tiers or default_tiers(spec.max_leverage, settings.maintenance_margin_rate)
            for s, spec in self._markets.items()
        }
        self.state = state if state is not None else ExchangeState(wallet=settings.initial_balance)
        self._open: dict[str, list[OrderState]] = {s: [] for s in self._symbols}
        self.account = Account(
            self.state,
            self._tiers,
            settings.margin_mode,
            settings.default_leverage,
            open_orders=lambda: (o for orders in self._open.values() for o in orders),
        )
        for order in self.state.orders.values():
            if order.status.is_open:
                self._open.setdefault(order.symbol, []).append(order)
        self._fill_ms = [f.timestamp_ms for f in self.state.fills]
        self._funding_ms = [p.timestamp_ms for p in self.state.funding]
        self._dirty_orders: dict[str, OrderState] = {}
        self._account_dirty = False
        self._saved = (len(self.state.fills), len(self.state.funding), len(self.state.liquidations))
        # Bumped on every change to money, positions or settings (`_touch`): keys the liquidation
        # price cache and the next step.
        self._version = 0
        # Bumped on every order recorded (`_record_order`): keys the next step too (what may fill
        # changed), but not the liquidation prices, which orders do not move: a resting order
        # that does not fill keeps them cached.
        self._orders_version = 0
        self._step: _Step | None = None
        self._timeframe_ms = min((s.timeframe_ms for s in self._series.values()), default=0)
        self._liq_cache: dict[str, tuple[int, float | None]] = {}
        self._marks: dict[str, Decimal] = {}
        self._marks_at: int | None = None
        self._caps: dict[tuple[str, Decimal], Decimal] = {}
        # Equity and available balance at the current instant, kept up to date by `_touch`.
        self._valued: InstantValuation | None = None

    # -- queries ------------------------------------------------------------------------------
    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    @property
    def clock_ms(self) -> int | None:
        return self.state.clock_ms

    @property
    def history_size(self) -> int:
        """Fills and funding payments ever recorded: grows with each one, never shrinks."""
        return len(self.state.fills) + len(self.state.funding)

    def spec(self, symbol: str) -> MarketSpec:
        spec = self._markets.get(symbol)
        if spec is None or symbol not in self._series:
            raise InvalidSymbol(f"sim exchange does not list {symbol}")
        return spec

    def mark(self, symbol: str) -> Decimal:
        """The mark price at the exchange's time (a position's entry price before any data)."""
        clock = self.state.clock_ms
        if clock != self._marks_at:
            # Marks only move with the exchange's time: one lookup per symbol per instant.
            self._marks = {}
            self._marks_at = clock
        mark = self._marks.get(symbol)
        if mark is None:
            mark = self._series[symbol].mark_at(clock) if clock is not None else None
            if mark is None:
                position = self.state.positions.get(symbol)
                return position.entry_price if position is not None else ZERO
            self._marks[symbol] = mark
        return mark

    def balance(self, asset: str) -> Balance:
        return Balance(asset, self.state.wallet, self._valuation().available())

    def positions(self, symbols: Sequence[str]) -> list[PositionReport]:
        reports = []
        # Computed once for all the positions, not once per position (O(n²) with many symbols).
        cross_wallet = self.account.cross_wallet()
        others = self.account.cross_terms_each(self.mark)
        for symbol in symbols:
            position = self.state.positions.get(symbol)
            if position is None or position.size == 0:
                continue
            mark = self.mark(symbol)
            reports.append(
                PositionReport(
                    symbol=symbol,
                    size=position.size,
                    entry_price=position.entry_price,
                    mark_price=mark,
                    liquidation_price=self.account.liquidation_price(
                        symbol, self.mark, others.get(symbol), cross_wallet=cross_wallet
                    ),
                    leverage=self.account.leverage(symbol),
                    margin_mode=self.account.mode(symbol).value,
                    unrealized_pnl=unrealized(position, mark),
                )
            )
        return reports

    def order(self, client_order_id: str) -> Order | None:
        state = self.state.orders.get(client_order_id)
        return state.to_order() if state is not None else None

    def open_orders(self, symbols: Sequence[str]) -> list[Order]:
        wanted = set(symbols)
        return [o.to_order() for s in self._symbols if s in wanted for o in self._open.get(s, [])]

    def fills_since(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        start = bisect.bisect_left(self._fill_ms, since_ms)
        wanted = set(symbols)
        return [f for f in self.state.fills[start:] if f.symbol in wanted]

    def funding_since(self, symbols: Sequence[str], since_ms: int) -> list[FundingPayment]:
        start = bisect.bisect_left(self._funding_ms, since_ms)
        wanted = set(symbols)
        return [p for p in self.state.funding[start:] if p.symbol in wanted]

    # -- account settings ---------------------------------------------------------------------
    def set_leverage(self, symbol: str, leverage: Decimal, now_ms: int) -> list[SimEvent]:
        events = self.advance(now_ms).events
        self.spec(symbol)
        tiers = self._tiers[symbol]
        top = max_leverage(tiers)
        if leverage < 1 or leverage > top or leverage != leverage.to_integral_value():
            raise InvalidOrder(
                f"leverage {leverage} must be a whole number in 1..{top} for {symbol}"
            )
        position = self.state.positions.get(symbol)
        if position is not None and position.size != 0:
            cap = max_notional_at(tiers, leverage)
            notional = abs(position.size) * self.mark(symbol)
            if notional > cap:
                raise InvalidOrder(
                    f"{symbol} position notional {notional:.2f} exceeds {cap} allowed at "
                    f"{leverage}x"
                )
        self.state.leverage[symbol] = leverage
        self._touch(symbol)
        return events

    def set_margin_mode(self, symbol: str, mode: MarginMode, now_ms: int) -> list[SimEvent]:
        events = self.advance(now_ms).events
        self.spec(symbol)
        if self.account.mode(symbol) is mode:
            return events
        position = self.state.positions.get(symbol)
        if (position is not None and position.size != 0) or self._open.get(symbol):
            raise InvalidOrder(
                f"cannot change the margin mode of {symbol} with a position or orders"
            )
        self.state.margin_mode[symbol] = mode
        self._touch(symbol)
        return events

    # -- orders -------------------------------------------------------------------------------
    def submit(self, request: OrderRequest, now_ms: int) -> tuple[Order, list[SimEvent]]:
        events = self.advance(now_ms).events
        now = self._now()
        spec = self.spec(request.symbol)
        if request.client_order_id in self.state.orders:
            raise InvalidOrder(f"duplicate client order id {request.client_order_id}")
        self._validate(request, spec)
        price_ref = self._reference(request.symbol, now)
        if price_ref is None:
            raise InvalidOrder(f"no price for {request.symbol} yet")
        index, reference = price_ref
        position = self._position(request.symbol)
        if request.reduce_only and not _reduces(position.size, request.side):
            raise InvalidOrder(
                f"reduce-only {request.side.value} would not reduce the {request.symbol} "
                f"position of {position.size}"
            )
        marketable, taker = self._taker_terms(request, spec, index, reference)
        if request.post_only and marketable:
            order = self._new_order(request, now)
            order.status = OrderStatus.REJECTED
            self._record_order(order, events)
            raise InvalidOrder(f"post-only order {request.client_order_id} would cross the book")
        check_price = taker if marketable else (request.price or taker)
        if not request.reduce_only:
            self._check_margin(request, spec, check_price)
        order = self._new_order(request, now)
        return self._execute(order, spec, index, marketable, taker, events), events

    def cancel(
        self, symbol: str, client_order_id: str, now_ms: int
    ) -> tuple[Order, list[SimEvent]]:
        events = self.advance(now_ms).events
        order = self.state.orders.get(client_order_id)
        if order is None or order.symbol != symbol:
            raise OrderNotFound(f"no order {client_order_id} on {symbol}")
        if not order.status.is_open:
            raise InvalidOrder(f"order {client_order_id} is already {order.status.value}")
        self._close_order(order, OrderStatus.CANCELED, events)
        return order.to_order(), events

    # -- time ---------------------------------------------------------------------------------
    def advance(self, now_ms: int, stop_before_change: bool = False) -> Advance:
        """Process every candle and funding settlement up to `now_ms`. With stop_before_change,
        stop just before the first candle on which an order or position would change by itself."""
        state = self.state
        if state.clock_ms is None:
            state.clock_ms = now_ms
            self._account_dirty = True
            return Advance([])
        events: list[SimEvent] = []
        while now_ms > state.clock_ms:
            step = self._next_step(now_ms)
            if step.at_ms > now_ms:
                state.clock_ms = now_ms  # nothing can happen before then
                break
            if step.hits:
                if stop_before_change and any(self._would_change(s, k) for s, k in step.hits):
                    state.clock_ms = step.at_ms - 1
                    self._account_dirty = True
                    return Advance(events, step.at_ms)
                for symbol, k in step.hits:
                    self._process_candle(symbol, k, events)
            state.clock_ms = step.at_ms
            if step.hits or step.funding:
                # After the candles closing then, on the positions as they left them.
                self._settle_funding(step.at_ms, events)
        if events:
            self._account_dirty = True
        return Advance(events)

    # -- persistence --------------------------------------------------------------------------
    def take_changes(self) -> Changes | None:
        """What changed since the last call (None: nothing), and forget it."""
        state = self.state
        fills_at, funding_at, liq_at = self._saved
        if not (
            self._account_dirty
            or self._dirty_orders
            or len(state.fills) > fills_at
            or len(state.funding) > funding_at
            or len(state.liquidations) > liq_at
        ):
            return None
        changes = Changes(
            account=account_record(state),
            orders=list(self._dirty_orders.values()),
            fills=state.fills[fills_at:],
            funding=state.funding[funding_at:],
            liquidations=state.liquidations[liq_at:],
        )
        self._dirty_orders = {}
        self._account_dirty = False
        self._saved = (len(state.fills), len(state.funding), len(state.liquidations))
        return changes

    # == internals ============================================================================
    def _now(self) -> int:
        clock = self.state.clock_ms
        if clock is None:
            raise RuntimeError("the exchange has no time yet")
        return clock

    def _touch(self, symbol: str) -> None:
        """Money, the position, the leverage or the margin mode of `symbol` changed."""
        self._version += 1
        self._account_dirty = True
        valued = self._valued
        if valued is not None:
            if valued.at_ms == self.state.clock_ms:
                valued.moved(symbol)
            else:
                self._valued = None  # valued at another instant's marks: rebuilt when needed

    def _valuation(self) -> InstantValuation:
        """Equity and available balance at the exchange's time (see InstantValuation)."""
        valued = self._valued
        if valued is None or valued.at_ms != self.state.clock_ms:
            valued = self._valued = InstantValuation(self.account, self.mark, self.state.clock_ms)
        return valued

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

    def _taker_terms(
        self, request: OrderRequest, spec: MarketSpec, index: int, reference: Decimal
    ) -> tuple[bool, Decimal]:
        """(whether the order takes liquidity now, the price it would pay as a taker)."""
        settings = self.settings
        columns = self._series[request.symbol].columns
        impact = pricing.impact_fraction(
            settings.slippage,
            float(columns.high[index]),
            float(columns.low[index]),
            float(columns.open[index]),
            request.size,
            float(columns.volume[index]),
        )
        if settings.slippage_noise > 0 and impact > 0:
            u = pricing.draw(settings.seed, request.client_order_id)
            impact *= 1 + settings.slippage_noise * Decimal(repr(u))
        taker = pricing.taker_price(
            reference, settings.spread_bps, impact, spec.tick_size, request.side
        )
        if request.type is OrderType.MARKET:
            return True, taker
        assert request.price is not None
        best = pricing.quote(reference, settings.spread_bps, spec.tick_size, request.side)
        crosses = request.price >= best if request.side is Side.BUY else request.price <= best
        if not crosses:
            return False, taker
        # A marketable limit never pays beyond its limit.
        capped = (
            min(taker, request.price) if request.side is Side.BUY else max(taker, request.price)
        )
        return True, capped

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

    # -- the market between calls -------------------------------------------------------------
    def _next_funding(self, after_ms: int, until_ms: int) -> int | None:
        """The next funding settlement in (after, until] of a symbol holding a position."""
        best: int | None = None
        for symbol, position in self.state.positions.items():
            if position.size == 0:
                continue
            times = self._series[symbol].funding_times
            i = bisect.bisect_right(times, after_ms)
            if i < len(times):
                ts = times[i]
                if ts <= until_ms and (best is None or ts < best):
                    best = ts
        return best

    def _settle_funding(self, ts: int, events: list[SimEvent]) -> None:
        for symbol in self._symbols:
            position = self.state.positions.get(symbol)
            if position is None or position.size == 0:
                continue
            series = self._series[symbol]
            times = series.funding_times
            i = bisect.bisect_left(times, ts)
            if i >= len(times) or times[i] != ts:
                continue
            rate = series.funding[i].rate
            mark = series.mark_at(ts) or position.entry_price
            amount = -position.size * mark * rate
            self.state.wallet += amount
            if self.account.mode(symbol) is MarginMode.ISOLATED:
                position.margin += amount
            payment = FundingPayment(symbol, ts, rate, position.size, mark, amount)
            self.state.funding.append(payment)
            self._funding_ms.append(ts)
            events.append(FundingSettled(payment))
            self._touch(symbol)

    def _next_step(self, now_ms: int) -> _Step:
        """The next step from the clock, looked at up to `now_ms` at least. A step stays true
        while the account and the orders are unchanged (`_version`, `_orders_version`) and the clock has not reached it: quiet time
        passing changes nothing a look depends on (its bounds come from the account, not from the
        clock), so the calls over it cost one comparison."""
        clock = self._now()
        step = self._step
        ahead = 0
        if (
            step is not None
            and step.version == self._version
            and step.orders_version == self._orders_version
        ):
            if clock < step.at_ms:
                return step
            if step.nothing_found:
                # Quiet time under this account goes on: look twice as far ahead each time it
                # does (a step-by-step backtest), not beyond what the next change would waste.
                ahead = min(
                    max(2 * step.ahead_ms, self._timeframe_ms), _LOOK_AHEAD * self._timeframe_ms
                )
        step = self._step = self._look(clock, now_ms, ahead)
        return step

    def _look(self, after_ms: int, until_ms: int, ahead_ms: int = 0) -> _Step:
        """The first instant in (after, until + ahead] at which a candle needs an exact look or
        funding is due; that end if none."""
        end = until_ms + ahead_ms
        funding_at = self._next_funding(after_ms, end)
        horizon = funding_at if funding_at is not None else end
        hit_ms, hits, windowed = self._next_candle_event(after_ms, horizon)
        at_ms = hit_ms if hit_ms is not None else horizon
        return _Step(
            self._version,
            self._orders_version,
            at_ms,
            hits,
            at_ms == funding_at,
            windowed,
            ahead_ms,
        )

    def _active(self) -> list[str]:
        return [
            s
            for s in self._symbols
            if self._open.get(s) or (s in self.state.positions and self.state.positions[s].size)
        ]

    def _next_candle_event(
        self, after_ms: int, until_ms: int
    ) -> tuple[int | None, list[tuple[str, int]], bool]:
        """The earliest close time in (after, until] of a candle on which something may happen,
        every (symbol, index) closing then that needs an exact look, and whether a liquidation
        bound came from the stretch (other cross positions' worst marks over it)."""
        best: int | None = None
        hits: list[tuple[str, int]] = []
        active = self._active()
        # Per stretch of time scanned: every cross position at its worst mark, computed once and
        # shared by all the symbols scanned over that stretch (usually all of them).
        worst: dict[tuple[int, int], _WorstCross] = {}
        for symbol in active:
            columns = self._series[symbol].columns
            start = columns.index_closed_by(after_ms)
            stop = columns.index_closed_by(until_ms)
            if start >= stop:
                continue
            k = self._scan(symbol, start, stop, worst if len(active) > 1 else None)
            if k is None:
                continue
            ts = int(columns.close_ms[k])
            if best is None or ts < best:
                best, hits = ts, [(symbol, k)]
            elif ts == best:
                hits.append((symbol, k))
        return best, hits, bool(worst)

    def _scan(
        self,
        symbol: str,
        start: int,
        stop: int,
        worst: dict[tuple[int, int], _WorstCross] | None,
    ) -> int | None:
        buy = sell = None
        for order in self._open.get(symbol, []):
            if order.price is None:
                continue
            p = float(order.price)
            if order.side is Side.BUY:
                buy = p if buy is None else max(buy, p)
            else:
                sell = p if sell is None else min(sell, p)
        long_liq = short_liq = None
        position = self.state.positions.get(symbol)
        if position is not None and position.size != 0:
            liq = self._scan_liquidation(symbol, start, stop, worst)
            if liq is not None:
                if position.size > 0:
                    long_liq = liq
                else:
                    short_liq = liq
        return first_candidate(self._series[symbol], start, stop, buy, sell, long_liq, short_liq)

    def _scan_liquidation(
        self,
        symbol: str,
        start: int,
        stop: int,
        worst: dict[tuple[int, int], _WorstCross] | None,
    ) -> float | None:
        """A liquidation price no closer than the true one for every candle in [start, stop).
        With other cross positions (`worst` is given when other symbols are active), those are
        valued at the worst marks they can have meanwhile."""
        cross = self.account.mode(symbol) is MarginMode.CROSS
        if not (cross and worst is not None):
            cached = self._liq_cache.get(symbol)
            if cached is not None and cached[0] == self._version:
                return cached[1]
            lp = self.account.liquidation_price(symbol, self.mark)
            value = float(lp) if lp is not None else None
            self._liq_cache[symbol] = (self._version, value)
            return value
        window = (
            int(self._series[symbol].columns.open_ms[start]),
            int(self._series[symbol].columns.close_ms[stop - 1]),
        )
        terms = worst.get(window)
        if terms is None:
            terms = worst[window] = self._worst_cross(*window)
        if terms.safe:
            return None
        lp = self.account.liquidation_price(
            symbol, self.mark, terms.excluding(symbol), cross_wallet=terms.cross_wallet
        )
        return float(lp) if lp is not None else None

    def _worst_cross(self, lo_ms: int, hi_ms: int) -> _WorstCross:
        """Each open cross position valued at the worst mark it can have while the candles between
        lo_ms and hi_ms trade: its unrealized PnL at the lowest (long) or highest (short) mark, its
        maintenance margin at the highest."""
        each: dict[str, tuple[Decimal, Decimal]] = {}
        upnl = ZERO
        maint = ZERO
        for other, held in self.state.positions.items():
            if held.size == 0 or self.account.mode(other) is not MarginMode.CROSS:
                continue
            series = self._series[other]
            a = series.columns.index_opening_at_or_after(lo_ms)
            b = series.columns.index_closed_by(hi_ms)
            low, high = mark_envelope(series, a, max(a + 1, b))
            u = unrealized(held, Decimal(repr(low if held.size > 0 else high)))
            m = maintenance_margin(self._tiers[other], abs(held.size) * Decimal(repr(high)))
            each[other] = (u, m)
            upnl += u
            maint += m
        return _WorstCross(each, upnl, maint, self.account.cross_wallet())

    def _others_at(self, symbol: str, ts: int) -> tuple[Decimal, Decimal]:
        """Cross terms of the other positions, valued at their marks at `ts`."""

        def mark_of(other: str) -> Decimal:
            mark = self._series[other].mark_at(ts)
            return mark if mark is not None else self.state.positions[other].entry_price

        return self.account.cross_terms(mark_of, exclude=symbol)

    def _liquidation_trigger(self, symbol: str, k: int) -> Decimal | None:
        """The liquidation price if the mark reaches it during candle k."""
        position = self.state.positions.get(symbol)
        if position is None or position.size == 0:
            return None
        series = self._series[symbol]
        open_ms = int(series.columns.open_ms[k])
        terms = None
        if self.account.mode(symbol) is MarginMode.CROSS:
            terms = self._others_at(symbol, open_ms)
        lp = self.account.liquidation_price(symbol, self.mark, terms)
        if lp is None:
            return None
        if position.size > 0:
            return lp if series.mark_extreme(k, high=False) <= lp else None
        return lp if series.mark_extreme(k, high=True) >= lp else None

    def _crossing_orders(self, symbol: str, k: int) -> list[OrderState]:
        """Resting orders the price traded through in candle k, best price first."""
        columns = self._series[symbol].columns
        open_ms = int(columns.open_ms[k])
        low = columns.price("low", k)
        high = columns.price("high", k)
        buys = [
            o
            for o in self._open.get(symbol, [])
            if o.side is Side.BUY
            and o.created_ms <= open_ms
            and o.price is not None
            and low < o.price
        ]
        sells = [
            o
            for o in self._open.get(symbol, [])
            if o.side is Side.SELL
            and o.created_ms <= open_ms
            and o.price is not None
            and high > o.price
        ]
        buys.sort(key=lambda o: -(o.price or ZERO))
        sells.sort(key=lambda o: o.price or ZERO)
        return buys + sells

    def _would_change(self, symbol: str, k: int) -> bool:
        return (
            bool(self._crossing_orders(symbol, k))
            or self._liquidation_trigger(symbol, k) is not None
        )

    def _process_candle(self, symbol: str, k: int, events: list[SimEvent]) -> None:
        spec = self._markets[symbol]
        columns = self._series[symbol].columns
        ts = int(columns.close_ms[k])
        self.state.clock_ms = max(self.state.clock_ms or ts, ts)
        budget = {
            Side.BUY: self._liquidity(symbol, k, spec),
            Side.SELL: self._liquidity(symbol, k, spec),
        }
        for order in self._crossing_orders(symbol, k):
            if order.reduce_only and not _reduces(self._position(symbol).size, order.side):
                self._close_order(order, OrderStatus.EXPIRED, events)
                continue
            qty = self._clip_reduce_only(order, min(order.remaining, budget[order.side]))
            if qty <= 0:
                continue
            budget[order.side] -= qty
            assert order.price is not None
            self._fill(order, qty, order.price, True, ts, events)
            self._record_order(order, events)
        lp = self._liquidation_trigger(symbol, k)
        if lp is not None:
            self._liquidate(symbol, lp, ts, events)

    def _liquidate(self, symbol: str, lp: Decimal, ts: int, events: list[SimEvent]) -> None:
        position = self.state.positions[symbol]
        spec = self._markets[symbol]
        side = Side.SELL if position.size > 0 else Side.BUY
        # On the tick against the trader: a long is sold at the tick at or below.
        price = pricing.on_tick(lp, spec.tick_size, side)
        if price <= 0:
            price = self._series[symbol].mark_at(ts) or position.entry_price
        qty = abs(position.size)
        mode = self.account.mode(symbol)
        # What is left of the margin after closing at that price pays the clearance fee, up to it.
        realized = (price - position.entry_price) * position.size
        if mode is MarginMode.ISOLATED:
            left = position.margin + realized
        else:
            upnl, _ = self._others_at(symbol, ts)
            left = self.account.cross_wallet() + upnl + realized
        fee = min(qty * price * self.settings.liquidation_fee, max(left, ZERO))
        for order in list(self._open.get(symbol, [])):
            self._close_order(order, OrderStatus.CANCELED, events)
        fill = self._fill(
            None,
            qty,
            price,
            False,
            ts,
            events,
            symbol=symbol,
            side=side,
            liquidation=True,
            fee_override=fee,
        )
        event = Liquidated(symbol, ts, qty, price, fee, mode.value, fill.fill_id)
        self.state.liquidations.append(event)
        events.append(event)


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
