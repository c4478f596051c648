"""SimExchange: a perpetual-futures exchange over recorded candles, pure and synchronous. Every call
takes the time explicitly and first brings the exchange up to it; what happened comes back as events.

The market is the candle series of each symbol. Between calls, in time order:
- a candle's trading [open, close) is processed at its close: conditional orders it triggered act
  (triggers.py); resting limit orders that the price traded through fill at their price (maker), up
  to `volume_share` of the candle's volume per side; then the position is liquidated at its
  liquidation price if the mark (mark candle, else trade candle) reached it (candles.py has the
  exact order);
- funding settles at each timestamp of the symbol's funding series, on the position held at that
  instant (a candle that closes at the same instant comes first), valued at the mark then.
A call at time T sees every event up to T; orders it places act from T on. Market orders execute on
the candle opening at T, at its open plus half the spread plus impact. Processing a stretch in one
call or in many gives the same result, so a backtest may jump over quiet stretches: which instants
`advance` stops at is the business of the look-ahead handed in (lookahead.py), which reads the
exchange as a `BookView` (book.py). The rules live by job in orders.py (the order desk) and
candles.py (what happens on a candle and at a funding time); this class holds the state and the
calls.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from bot_v2.adapters.brokers.sim.account import Account, unrealized
from bot_v2.adapters.brokers.sim.book import LookAhead
from bot_v2.adapters.brokers.sim.candles import CandleRules
from bot_v2.adapters.brokers.sim.events import Liquidated, SimEvent
from bot_v2.adapters.brokers.sim.margin import default_tiers, max_leverage, max_notional_at
from bot_v2.adapters.brokers.sim.orders import LIQUIDATION_PREFIX, _reduces
from bot_v2.adapters.brokers.sim.records import account_record
from bot_v2.adapters.brokers.sim.settings import MarginMode, SimSettings
from bot_v2.adapters.brokers.sim.state import ExchangeState, OrderState, PositionState
from bot_v2.adapters.brokers.sim.valuation import InstantValuation
from bot_v2.adapters.replay.feed import SymbolSeries
from bot_v2.domain.account import Balance, PositionReport
from bot_v2.domain.errors import InvalidOrder, InvalidSymbol, OrderNotFound
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.market import LeverageTier, MarketSpec
from bot_v2.domain.money import ZERO
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus

__all__ = ["LIQUIDATION_PREFIX", "Advance", "Changes", "SimExchange"]


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


class SimExchange(CandleRules):
    def __init__(
        self,
        series: Mapping[str, SymbolSeries],
        markets: Mapping[str, MarketSpec],
        settings: SimSettings,
        state: ExchangeState | None = None,
        *,
        look_ahead: LookAhead,
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
        self._conditional: dict[str, list[OrderState]] = {s: [] for s in self._symbols}
        self.account = Account(
            self.state,
            self._tiers,
            settings.margin_mode,
            settings.default_leverage,
            open_orders=lambda: (o for orders in self._open.values() for o in orders),
        )
        for order in self.state.orders.values():
            if order.status.is_open:
                untriggered = order.type.is_conditional and order.triggered_ms is None
                book = self._conditional if untriggered else self._open
                book.setdefault(order.symbol, []).append(order)
        self._fill_ms = [f.timestamp_ms for f in self.state.fills]
        self._funding_ms = [p.timestamp_ms for p in self.state.funding]
        self._dirty_orders: dict[str, OrderState] = {}
        self._account_dirty = False
        self._saved = (len(self.state.fills), len(self.state.funding), len(self.state.liquidations))
        # Bumped on every change to money, positions or settings (`_touch`): keys the look-ahead's
        # step and liquidation prices.
        self._version = 0
        # Bumped on every order recorded (`_record_order`): keys the look-ahead's step too (what
        # may fill changed), but not the liquidation prices, which orders do not move.
        self._orders_version = 0
        self._look_ahead = look_ahead
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
        """Open plain orders; conditional ones are listed apart (`conditional_orders`)."""
        wanted = set(symbols)
        booked = (o for s in self._symbols if s in wanted for o in self._open.get(s, []))
        return [o.to_order() for o in booked if not o.type.is_conditional]

    def fills_since(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        start = bisect.bisect_left(self._fill_ms, since_ms)
        wanted = set(symbols)
        return [f for f in self.state.fills[start:] if f.symbol in wanted]

    def funding_since(self, symbols: Sequence[str], since_ms: int) -> list[FundingPayment]:
        start = bisect.bisect_left(self._funding_ms, since_ms)
        wanted = set(symbols)
        return [p for p in self.state.funding[start:] if p.symbol in wanted]

    # -- the book as a look-ahead reads it (book.BookView) -------------------------------------
    @property
    def version(self) -> int:
        return self._version

    @property
    def orders_version(self) -> int:
        return self._orders_version

    @property
    def series(self) -> Mapping[str, SymbolSeries]:
        return self._series

    @property
    def tiers(self) -> Mapping[str, tuple[LeverageTier, ...]]:
        return self._tiers

    @property
    def positions_held(self) -> Mapping[str, PositionState]:
        return self.state.positions

    def resting(self, symbol: str) -> Sequence[OrderState]:
        return self._open.get(symbol, ())

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
        orders = self._open.get(symbol) or self._conditional.get(symbol)
        if (position is not None and position.size != 0) or orders:
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
        if request.type.is_conditional:
            raise InvalidOrder(f"{request.type.value} is conditional: place it apart")
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
        if order is None or order.symbol != symbol or order.type.is_conditional:
            # Conditional orders are cancelled apart (cancel_conditional), as on OKX.
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
            step = self._look_ahead.next_step(self, now_ms)
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
    def _caught_up(self, now_ms: int) -> list[SimEvent]:
        return self.advance(now_ms).events

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
