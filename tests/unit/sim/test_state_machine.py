"""Random sequences of orders, cancels, price moves and funding against the simulated exchange, beside
a small reference model that books only what the exchange reports. After every step:
- wallet + unrealized PnL equals the initial balance + realized PnL - fees + funding (model's sums),
  to 1e-12: Decimal rounds averaged entry prices at 28 digits and the sums add in another order;
- the exchange's positions are the model's;
- a reduce-only fill never grows or flips a position;
- every order's fills add up to its `filled`, and filled + remaining = size;
- margin is never negative (beyond Decimal rounding) unless a liquidation happened in that step;
- a twin exchange that heard the same orders but caught up in one jump is in the same state;
- an exchange that looks afresh on every turn of its loop (keeps no step) answers every call alike;
- an exchange that steps through every candle (lookahead.EveryCandle, no skipping) answers every
  call alike and has the same fills, funding, liquidations, wallet, positions and orders.
Conditional orders (stop-market, take-profit-market, stop-limit; mark or last price; close-position)
are placed and cancelled among the rest, on mark candles of their own where drawn, so fast mode
(SkipQuiet) must stop at every candle one of them triggers on, as stepping does.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from bot_v2.adapters.brokers.sim.events import Filled, FundingSettled, Liquidated, SimEvent
from bot_v2.adapters.brokers.sim.lookahead import EveryCandle
from bot_v2.adapters.brokers.sim.settings import IntrabarOrder, MarginMode, SimSettings
from bot_v2.adapters.brokers.sim.triggers import triggers_on_fall
from bot_v2.adapters.replay.csv_files import MarkPoint
from bot_v2.domain.errors import BrokerError
from bot_v2.domain.market import Candle
from bot_v2.domain.money import ZERO
from bot_v2.domain.orders import OrderRequest, OrderType, Side, TimeInForce, TriggerPrice
from bot_v2.domain.positions import Position, apply_fill
from tests.unit.sim._support import SYMBOL, T0, H, bars, exchange, feed, walk
from tests.unit.sim.test_next_step import LooksAfresh

CANDLES = 40
sides = st.sampled_from([Side.BUY, Side.SELL])
EPSILON = Decimal("1e-12")
lots = st.integers(min_value=1, max_value=400).map(lambda n: Decimal(n) / 100)
CONDITIONAL = [OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET, OrderType.STOP_LIMIT]
TENTH = Decimal("0.1")


def _gapped(candles: list[Candle], gaps: list[int]) -> list[Candle]:
    """Candles whose open jumps `gap` per mille from the previous close (a range that holds it)."""
    out = []
    for c, gap in zip(candles, gaps, strict=True):
        o = (c.open * (1 + Decimal(gap) / 1000)).quantize(TENTH)
        out.append(attrs.evolve(c, open=o, high=max(c.high, o), low=min(c.low, o)))
    return out


def _marks(candles: list[Candle], shifts: list[int]) -> list[MarkPoint]:
    """Mark candles beside the trade candles: each shifted by its own per-mille amount."""
    points = []
    for c, shift in zip(candles, shifts, strict=True):
        f = 1 + Decimal(shift) / 1000
        o, h, lo, cl = ((p * f).quantize(TENTH) for p in (c.open, c.high, c.low, c.close))
        points.append(MarkPoint(c.timestamp_ms, o, cl, h, lo))
    return points


class ExchangeMachine(RuleBasedStateMachine):
    @initialize(
        moves=st.lists(st.integers(-150, 150), min_size=CANDLES, max_size=CANDLES),
        wiggles=st.lists(st.integers(0, 60), min_size=CANDLES, max_size=CANDLES),
        volumes=st.lists(st.integers(1, 50), min_size=CANDLES, max_size=CANDLES),
        rates=st.lists(st.integers(-30, 30), min_size=CANDLES, max_size=CANDLES),
        every=st.sampled_from([1, 4, 8]),
        mode=st.sampled_from(list(MarginMode)),
        leverage=st.integers(1, 50),
        shifts=st.none() | st.lists(st.integers(-8, 8), min_size=CANDLES, max_size=CANDLES),
        intrabar=st.sampled_from(list(IntrabarOrder)),
        gaps=st.lists(
            st.sampled_from([0, 0, 0, -30, -10, 10, 30]), min_size=CANDLES, max_size=CANDLES
        ),
    )
    def setup(
        self,
        moves: list[int],
        wiggles: list[int],
        volumes: list[int],
        rates: list[int],
        every: int,
        mode: MarginMode,
        leverage: int,
        shifts: list[int] | None,
        intrabar: IntrabarOrder,
        gaps: list[int],
    ) -> None:
        candles = bars(walk(moves, wiggles))
        candles = [
            attrs.evolve(c, volume=Decimal(v)) for c, v in zip(candles, volumes, strict=True)
        ]
        candles = _gapped(candles, gaps)
        funding = [
            (T0 + k * H, str(Decimal(r) / 10000))
            for k, r in enumerate(rates)
            if k % every == 0 and k
        ]
        market_feed = feed(candles, funding, _marks(candles, shifts) if shifts else ())
        self.settings = SimSettings(
            initial_balance=Decimal(5000),
            taker_fee=Decimal("0.0005"),
            maker_fee=Decimal("0.0002"),
            spread_bps=Decimal(2),
            slippage=Decimal("0.5"),
            volume_share=Decimal("0.2"),
            margin_mode=mode,
            intrabar_order=intrabar,
        )
        self.ex = exchange(market_feed, self.settings)
        self.twin = exchange(market_feed, self.settings)
        self.fresh = exchange(market_feed, self.settings, look_ahead=LooksAfresh)
        self.every = exchange(market_feed, self.settings, look_ahead=EveryCandle)
        self.now = T0 + H
        for ex in (self.ex, self.twin, self.fresh, self.every):
            ex.advance(T0)
            ex.set_leverage(SYMBOL, Decimal(leverage), self.now)
        self.position = Position(SYMBOL)
        self.realized = ZERO
        self.fees = ZERO
        self.funding = ZERO
        self.filled_by_order: dict[str, Decimal] = {}
        self.reduce_only_ids: set[str] = set()
        self.liquidated_this_step = False
        self.seq = 0

    # -- the model ----------------------------------------------------------------------------
    def _book(self, events: list[SimEvent]) -> None:
        for event in events:
            if isinstance(event, Filled):
                fill = event.fill
                before = self.position.size
                effect = apply_fill(self.position, fill.side, fill.size, fill.price)
                if fill.client_order_id in self.reduce_only_ids:
                    after = effect.position.size
                    assert abs(after) <= abs(before) and after * before >= 0, "reduce-only grew"
                self.position = effect.position
                self.realized += effect.realized_pnl
                self.fees += fill.fee
                self.filled_by_order[fill.client_order_id] = (
                    self.filled_by_order.get(fill.client_order_id, ZERO) + fill.size
                )
            elif isinstance(event, FundingSettled):
                self.funding += event.payment.amount
            elif isinstance(event, Liquidated):
                self.liquidated_this_step = True

    def _send(self, request: OrderRequest) -> None:
        if request.reduce_only:
            self.reduce_only_ids.add(request.client_order_id)
        call = "place_conditional" if request.type.is_conditional else "submit"
        with contextlib.suppress(BrokerError):
            getattr(self.twin, call)(request, self.now)
        try:
            expected = getattr(self.fresh, call)(request, self.now)
        except BrokerError as exc:
            expected = exc
        try:
            stepped = getattr(self.every, call)(request, self.now)
        except BrokerError as exc:
            stepped = exc
        try:
            order, events = getattr(self.ex, call)(request, self.now)
        except BrokerError as exc:
            assert repr(exc) == repr(expected) == repr(stepped)
            return
        assert (order, events) == expected == stepped
        self._book(events)

    def _next_id(self) -> str:
        self.seq += 1
        return f"o-{self.seq}"

    # -- rules --------------------------------------------------------------------------------
    @rule(side=sides, size=lots, reduce_only=st.booleans())
    def market_order(self, side: Side, size: Decimal, reduce_only: bool) -> None:
        self.liquidated_this_step = False
        self._catch_up()
        self._send(
            OrderRequest(
                self._next_id(), SYMBOL, side, OrderType.MARKET, size, reduce_only=reduce_only
            )
        )

    @rule(
        side=sides,
        size=lots,
        offset=st.integers(-40, 40),
        tif=st.sampled_from(list(TimeInForce)),
        post_only=st.booleans(),
        reduce_only=st.booleans(),
    )
    def limit_order(
        self,
        side: Side,
        size: Decimal,
        offset: int,
        tif: TimeInForce,
        post_only: bool,
        reduce_only: bool,
    ) -> None:
        self.liquidated_this_step = False
        self._catch_up()
        mark = self.ex.mark(SYMBOL)
        price = (mark * (1 + Decimal(offset) / 1000)).quantize(Decimal("0.1"))
        if price <= 0:
            return
        self._send(
            OrderRequest(
                self._next_id(),
                SYMBOL,
                side,
                OrderType.LIMIT,
                size,
                price,
                reduce_only=reduce_only,
                time_in_force=tif,
                post_only=post_only and tif is TimeInForce.GTC,
            )
        )

    @rule(
        kind=st.sampled_from(CONDITIONAL),
        side=sides,
        size=lots,
        offset=st.integers(-5, 60),
        limit_offset=st.integers(-20, 20),
        by=st.sampled_from(list(TriggerPrice)),
        close_position=st.booleans(),
        protecting=st.booleans(),
    )
    def protective_order(
        self,
        kind: OrderType,
        side: Side,
        size: Decimal,
        offset: int,
        limit_offset: int,
        by: TriggerPrice,
        close_position: bool,
        protecting: bool,
    ) -> None:
        """A trigger `offset` per mille away from the mark, on the side it waits for (a negative
        offset would trigger at once: refused alike by every exchange). `protecting`: on the side
        that reduces the position held, as a bot places it."""
        self.liquidated_this_step = False
        self._catch_up()
        if protecting and self.position.size != 0:
            side = Side.SELL if self.position.size > 0 else Side.BUY
        away = Decimal(offset) / 1000
        mark = self.ex.mark(SYMBOL)
        trigger = mark * (1 - away if triggers_on_fall(kind, side) else 1 + away)
        trigger = trigger.quantize(TENTH)
        limit = (trigger * (1 + Decimal(limit_offset) / 1000)).quantize(TENTH)
        if trigger <= 0 or limit <= 0:
            return
        self._send(
            OrderRequest(
                self._next_id(),
                SYMBOL,
                side,
                kind,
                size,
                limit if kind is OrderType.STOP_LIMIT else None,
                reduce_only=True,
                trigger_price=trigger,
                trigger_by=by,
                close_position=close_position and kind is not OrderType.STOP_LIMIT,
            )
        )

    @rule(pick=st.integers(0, 10))
    def cancel_protective(self, pick: int) -> None:
        self.liquidated_this_step = False
        self._catch_up()
        held = self.ex.conditional_orders([SYMBOL])
        if not held:
            return
        coid = held[pick % len(held)].client_order_id
        result = self.ex.cancel_conditional(SYMBOL, coid, self.now)
        assert result == self.fresh.cancel_conditional(SYMBOL, coid, self.now)
        assert result == self.every.cancel_conditional(SYMBOL, coid, self.now)
        self._book(result[1])
        self.twin.cancel_conditional(SYMBOL, coid, self.now)

    @rule(pick=st.integers(0, 10))
    def cancel(self, pick: int) -> None:
        self.liquidated_this_step = False
        self._catch_up()
        open_orders = self.ex.open_orders([SYMBOL])
        if not open_orders:
            return
        coid = open_orders[pick % len(open_orders)].client_order_id
        result = self.ex.cancel(SYMBOL, coid, self.now)
        assert result == self.fresh.cancel(SYMBOL, coid, self.now)
        assert result == self.every.cancel(SYMBOL, coid, self.now)
        self._book(result[1])
        self.twin.cancel(SYMBOL, coid, self.now)

    @rule(candles=st.integers(1, 6))
    def price_moves(self, candles: int) -> None:
        """Time passes: candles trade (limit fills, liquidations) and funding settles."""
        self.liquidated_this_step = False
        self.now = min(self.now + candles * H, T0 + CANDLES * H)
        self._catch_up()

    def _catch_up(self) -> None:
        advance = self.ex.advance(self.now)
        assert advance == self.fresh.advance(self.now)
        assert advance == self.every.advance(self.now)
        self._book(advance.events)

    # -- invariants ---------------------------------------------------------------------------
    @invariant()
    def money_adds_up(self) -> None:
        initial = self.settings.initial_balance
        mark = self.ex.mark(SYMBOL)
        upnl = self.position.unrealized_pnl(mark)
        equity = self.ex.account.equity(self.ex.mark)
        expected = initial + self.realized - self.fees + self.funding
        assert abs(self.ex.state.wallet - expected) < EPSILON
        assert abs(equity - (expected + upnl)) < EPSILON

    @invariant()
    def positions_match_the_model(self) -> None:
        held = self.ex.state.positions.get(SYMBOL)
        size = held.size if held is not None else ZERO
        entry = held.entry_price if held is not None else ZERO
        assert (size, entry) == (self.position.size, self.position.entry_price)

    @invariant()
    def orders_add_up(self) -> None:
        open_ids = {o.client_order_id for o in self.ex.open_orders([SYMBOL])}
        held = {o.client_order_id for o in self.ex.conditional_orders([SYMBOL])}
        assert not open_ids & held  # listed apart
        open_ids |= held
        for coid, state in self.ex.state.orders.items():
            order = state.to_order()
            assert order.filled + order.remaining == order.size
            assert ZERO <= order.filled <= order.size
            assert self.filled_by_order.get(coid, ZERO) == order.filled
            assert (coid in open_ids) == order.status.is_open

    @invariant()
    def margin_never_negative_without_a_liquidation(self) -> None:
        if self.liquidated_this_step:
            return
        held = self.ex.state.positions.get(SYMBOL)
        if held is None:
            assert self.ex.state.wallet >= -EPSILON
            return
        upnl = (self.ex.mark(SYMBOL) - held.entry_price) * held.size
        if self.ex.account.mode(SYMBOL) is MarginMode.ISOLATED:
            assert held.margin + upnl >= -EPSILON
        else:
            assert self.ex.account.cross_wallet() + upnl >= -EPSILON

    @invariant()
    def a_twin_that_caught_up_in_one_jump_agrees(self) -> None:
        self.twin.advance(self.now)
        self.ex.advance(self.now)
        assert self.twin.state.wallet == self.ex.state.wallet
        assert self.twin.state.positions == self.ex.state.positions
        assert self.twin.state.fills == self.ex.state.fills
        assert self.twin.state.funding == self.ex.state.funding
        assert self.fresh.state == self.ex.state

    @invariant()
    def stepping_through_every_candle_agrees(self) -> None:
        ex, every = self.ex.state, self.every.state
        assert every.fills == ex.fills
        assert every.funding == ex.funding
        assert every.liquidations == ex.liquidations
        assert (every.wallet, every.positions) == (ex.wallet, ex.positions)
        assert every == ex


ExchangeMachine.TestCase.settings = settings(max_examples=80, stateful_step_count=40, deadline=None)
test_exchange_state_machine = ExchangeMachine.TestCase
