"""SimBroker implements IBroker over a ReplayFeed. It is the exchange in dev and backtests: it reads
the recorded market at the clock's time, fills market orders at the next price, charges fees and
settles funding on the position held at each settlement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.domain.account import Balance, PositionReport
from bot_v2.domain.errors import InsufficientFunds, InvalidOrder, InvalidSymbol, OrderNotFound
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.market import MarketSpec
from bot_v2.domain.money import ZERO, ceil_to_step, floor_to_step
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus, OrderType, Side
from bot_v2.domain.positions import Position, apply_fill
from bot_v2.ports.clock import IClock

BPS = Decimal(10000)


class SimBroker:
    def __init__(
        self,
        feed: ReplayFeed,
        clock: IClock,
        markets: Mapping[str, MarketSpec],
        initial_balance: Decimal,
        taker_fee: Decimal,
        spread_bps: Decimal,
        quote_asset: str = "USDT",
    ) -> None:
        self._feed = feed
        self._clock = clock
        self._markets = dict(markets)
        self._taker_fee = taker_fee
        self._half_spread = spread_bps / BPS / 2
        self._quote = quote_asset
        self._cash = initial_balance
        self._positions: dict[str, Position] = {}
        self._leverage: dict[str, Decimal] = {}
        self._orders: dict[str, Order] = {}
        self._fills: list[Fill] = []
        self._funding: list[FundingPayment] = []
        self._settled_until_ms: int | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def load_markets(self, symbols: Sequence[str]) -> dict[str, MarketSpec]:
        unknown = [s for s in symbols if s not in self._markets or s not in self._feed.series]
        if unknown:
            raise InvalidSymbol(f"sim exchange has no market data for {', '.join(unknown)}")
        return {s: self._markets[s] for s in symbols}

    # -- account ------------------------------------------------------------------------------
    async def fetch_balance(self) -> Balance:
        self._catch_up()
        return Balance(self._quote, self._cash, self._cash - self._used_margin())

    async def fetch_positions(self, symbols: Sequence[str]) -> list[PositionReport]:
        self._catch_up()
        reports = []
        for symbol in symbols:
            position = self._positions.get(symbol)
            if position is None or position.is_flat:
                continue
            mark = self._mark(symbol)
            reports.append(
                PositionReport(
                    symbol=symbol,
                    size=position.size,
                    entry_price=position.entry_price,
                    mark_price=mark,
                    leverage=self._leverage_for(symbol),
                    unrealized_pnl=position.unrealized_pnl(mark),
                )
            )
        return reports

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        spec = self._spec(symbol)
        if leverage <= 0 or leverage > spec.max_leverage:
            raise InvalidOrder(f"leverage {leverage} outside 1..{spec.max_leverage} for {symbol}")
        self._leverage[symbol] = leverage

    # -- orders -------------------------------------------------------------------------------
    async def submit_order(self, request: OrderRequest) -> Order:
        self._catch_up()
        spec = self._spec(request.symbol)
        if request.client_order_id in self._orders:
            raise InvalidOrder(f"duplicate client order id {request.client_order_id}")
        if request.type is not OrderType.MARKET:
            raise InvalidOrder("the sim exchange fills market orders only")
        if request.size % spec.step_size != 0 or request.size < spec.min_size:
            raise InvalidOrder(
                f"size {request.size} is not a multiple of step {spec.step_size} "
                f"or below the minimum {spec.min_size}"
            )
        position = self._positions.get(request.symbol, Position(request.symbol))
        if request.reduce_only and not _reduces(position, request.side, request.size):
            raise InvalidOrder("reduce-only order would not reduce the position")
        price = self._fill_price(request.symbol, request.side)
        notional = price * request.size
        if not _reduces(position, request.side, request.size):
            needed = notional / self._leverage_for(request.symbol)
            if needed > self._available():
                raise InsufficientFunds(f"margin {needed:.2f} needed, {self._available():.2f} free")
        now = self._clock.now_ms()
        fee = notional * self._taker_fee
        effect = apply_fill(position, request.side, request.size, price)
        self._positions[request.symbol] = effect.position
        self._cash += effect.realized_pnl - fee
        exchange_id = f"sim-{len(self._orders) + 1}"
        fill = Fill(
            fill_id=f"{exchange_id}-1",
            client_order_id=request.client_order_id,
            exchange_order_id=exchange_id,
            symbol=request.symbol,
            side=request.side,
            size=request.size,
            price=price,
            fee=fee,
            timestamp_ms=now,
        )
        self._fills.append(fill)
        order = Order(
            client_order_id=request.client_order_id,
            exchange_order_id=exchange_id,
            symbol=request.symbol,
            side=request.side,
            type=request.type,
            size=request.size,
            filled=request.size,
            status=OrderStatus.FILLED,
            average_price=price,
            reduce_only=request.reduce_only,
            timestamp_ms=now,
        )
        self._orders[request.client_order_id] = order
        return order

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        order = self._orders.get(client_order_id)
        if order is None:
            raise OrderNotFound(f"no order {client_order_id} on {symbol}")
        if not order.status.is_open:
            raise InvalidOrder(f"order {client_order_id} is already {order.status.value}")
        return order

    async def fetch_order(self, symbol: str, client_order_id: str) -> Order | None:
        return self._orders.get(client_order_id)

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[Order]:
        return [o for o in self._orders.values() if o.status.is_open and o.symbol in symbols]

    async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        self._catch_up()
        return [f for f in self._fills if f.timestamp_ms >= since_ms and f.symbol in symbols]

    async def fetch_funding(self, symbols: Sequence[str], since_ms: int) -> list[FundingPayment]:
        self._catch_up()
        return [p for p in self._funding if p.timestamp_ms >= since_ms and p.symbol in symbols]

    # -- the market ---------------------------------------------------------------------------
    def _catch_up(self) -> None:
        """Settle funding for every settlement between the last call and now, on the position held
        then: positions only change inside calls, and each call catches up before it acts."""
        now = self._clock.now_ms()
        since = self._settled_until_ms if self._settled_until_ms is not None else now - 1
        if now <= since:
            return
        for symbol, position in self._positions.items():
            if position.is_flat:
                continue
            series = self._feed.series[symbol]
            for point in series.funding_between(since, now):
                mark = series.mark_at(point.timestamp_ms) or position.entry_price
                amount = -position.size * mark * point.rate
                self._cash += amount
                self._funding.append(
                    FundingPayment(
                        symbol, point.timestamp_ms, point.rate, position.size, mark, amount
                    )
                )
        self._settled_until_ms = now

    def _fill_price(self, symbol: str, side: Side) -> Decimal:
        series = self._feed.series[symbol]
        now = self._clock.now_ms()
        nxt = series.candle_opening_at_or_after(now)
        if nxt is not None:
            base = nxt.open
        else:
            last = series.candle_closed_at_or_before(now)
            if last is None:
                raise InvalidOrder(f"no price for {symbol} yet")
            base = last.close
        spec = self._spec(symbol)
        raw = base * (1 + self._half_spread * side.sign)
        # The venue's price is on its tick; a buyer pays the tick above, a seller gets the one below.
        if side is Side.BUY:
            return ceil_to_step(raw, spec.tick_size)
        return floor_to_step(raw, spec.tick_size)

    def _mark(self, symbol: str) -> Decimal:
        series = self._feed.series[symbol]
        return series.mark_at(self._clock.now_ms()) or ZERO

    def _spec(self, symbol: str) -> MarketSpec:
        spec = self._markets.get(symbol)
        if spec is None:
            raise InvalidSymbol(f"sim exchange does not list {symbol}")
        return spec

    def _leverage_for(self, symbol: str) -> Decimal:
        return self._leverage.get(symbol, Decimal(1))

    def _used_margin(self) -> Decimal:
        return sum(
            (
                abs(p.size) * self._mark(s) / self._leverage_for(s)
                for s, p in self._positions.items()
            ),
            ZERO,
        )

    def _available(self) -> Decimal:
        unrealized = sum(
            (p.unrealized_pnl(self._mark(s)) for s, p in self._positions.items()), ZERO
        )
        return self._cash + unrealized - self._used_margin()


def _reduces(position: Position, side: Side, size: Decimal) -> bool:
    return not position.is_flat and position.size * side.sign < 0 and size <= abs(position.size)
