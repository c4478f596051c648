"""MakerDesk over a small resting-order venue: the entry is stored before it is sent, rests post-only
at the touch, is re-priced for what is left after its wait, falls back to a market order or gives
up, is resumed from the store by a new desk, and gives way to a signal that wants something else."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.errors import ExchangeUnavailable, InvalidOrder
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus, OrderType, Side
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.execution import ExecutionCoordinator
from bot_v2.features.live_trade.maker import EntrySettings, MakerDesk
from bot_v2.features.live_trade.maker.desk import maker_price
from bot_v2.features.live_trade.maker.working import META_KEY, decode
from bot_v2.features.live_trade.risk.pre_trade import PreTradeRisk
from bot_v2.ports.touch import Touch
from tests.fakes.ports import FakeBroker, FakeStore, spec
from tests.unit.execution.test_execution import BTC, LIMITS, ctx

D = Decimal
MIN = 60_000
TICK = D("0.1")


class RestingVenue(FakeBroker):
    """Market orders fill at once; post-only limits rest (refused if they would cross the touch)
    until the test fills or cancels them."""

    def __init__(self, store: FakeStore) -> None:
        super().__init__(store)
        self.touch = Touch(BTC, D("99.9"), D("100.1"))
        self.book: dict[str, Order] = {}
        self.meta_at_submit: list[str | None] = []

    async def fetch_touch(self, symbol: str) -> Touch:
        return self.touch

    async def submit_order(self, request: OrderRequest) -> Order:
        assert self.store is not None
        self.meta_at_submit.append(self.store.get_meta(META_KEY))
        if request.type is OrderType.MARKET:
            order = await super().submit_order(request)
        else:
            if self.fail_with is not None:
                error, self.fail_with = self.fail_with, None
                raise error
            assert request.post_only and request.price is not None
            if (
                request.price >= self.touch.ask
                if request.side is Side.BUY
                else request.price <= self.touch.bid
            ):
                raise InvalidOrder("post-only would cross")
            self.submitted.append(request)
            order = Order(
                request.client_order_id, f"x{len(self.submitted)}", BTC, request.side,
                request.type, request.size, D(0), OrderStatus.NEW, price=request.price,
            )  # fmt: skip
        self.book[request.client_order_id] = order
        return order

    def fill(self, client_order_id: str, qty: Decimal) -> None:
        order = self.book[client_order_id]
        filled = order.filled + qty
        status = OrderStatus.FILLED if filled == order.size else OrderStatus.PARTIALLY_FILLED
        self.book[client_order_id] = attrs.evolve(order, filled=filled, status=status)

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        order = self.book[client_order_id]
        if not order.status.is_open:
            raise InvalidOrder("already ended")
        self.book[client_order_id] = attrs.evolve(order, status=OrderStatus.CANCELED)
        return self.book[client_order_id]

    async def fetch_order(self, symbol: str, client_order_id: str) -> Order | None:
        return self.book.get(client_order_id)


def setup(
    store: FakeStore | None = None, **settings: object
) -> tuple[FakeStore, RestingVenue, ExecutionCoordinator, MakerDesk]:
    store = store or FakeStore()
    venue = RestingVenue(store)
    execution = ExecutionCoordinator(
        "bot", venue, store, PreTradeRisk(LIMITS), {BTC: spec()}, store.decision_count()
    )
    entry = EntrySettings(kind="maker", reprice_after_s=D(60), **settings)  # type: ignore[arg-type]
    desk = MakerDesk(entry, execution, venue, venue, store, {BTC: spec()})
    execution.entries = desk
    return store, venue, execution, desk


def go(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_an_entry_is_stored_before_it_is_sent_and_rests_post_only_at_the_bid() -> None:
    _, venue, execution, desk = setup()
    outcomes = go(execution.act(Signal(BTC, Action.OPEN_LONG), D(2), ctx(), 0))
    [request] = venue.submitted
    assert request.post_only and request.type is OrderType.LIMIT and request.price == D("99.9")
    stored = decode(venue.meta_at_submit[0])
    assert stored[BTC].client_order_id == request.client_order_id == "bot-BTCUSDT-0"
    assert desk.working[BTC].size == D(2)
    assert [o.sent for o in outcomes] == [True]  # type: ignore[attr-defined]


def test_after_its_wait_the_rest_is_re_priced_at_the_new_touch_then_falls_back_to_market() -> None:
    store, venue, execution, desk = setup(max_reprices=1, fallback="market")
    go(execution.act(Signal(BTC, Action.OPEN_LONG), D(2), ctx(), 0))
    first = venue.submitted[0].client_order_id
    venue.fill(first, D("0.5"))
    assert go(desk.work(MIN - 1, ctx)) == []  # still waiting
    venue.touch = Touch(BTC, D("101.0"), D("101.2"))
    [again] = go(desk.work(MIN, ctx))  # type: ignore[misc]
    assert venue.book[first].status is OrderStatus.CANCELED
    assert again.request.size == D("1.5") and again.request.price == D("101.0")
    assert desk.working[BTC].reprices == 1
    [fallback] = go(desk.work(2 * MIN, ctx))  # type: ignore[misc]
    assert fallback.request.type is OrderType.MARKET and fallback.request.size == D("1.5")
    assert fallback.order.status is OrderStatus.FILLED
    assert desk.working == {} and decode(store.get_meta(META_KEY)) == {}


def test_fallback_cancel_gives_the_rest_up() -> None:
    _, venue, execution, desk = setup(max_reprices=0, fallback="cancel")
    go(execution.act(Signal(BTC, Action.OPEN_SHORT), D(1), ctx(), 0))
    assert venue.submitted[0].price == D("100.1")  # a sell rests at the ask
    assert go(desk.work(MIN, ctx)) == []
    assert len(venue.submitted) == 1 and desk.working == {}


def test_a_filled_entry_ends_and_the_store_sees_the_fill() -> None:
    store, venue, execution, desk = setup()
    go(execution.act(Signal(BTC, Action.OPEN_LONG), D(1), ctx(), 0))
    coid = venue.submitted[0].client_order_id
    venue.fill(coid, D(1))
    assert go(desk.work(10, ctx)) == []
    assert desk.working == {} and store.orders[coid].status is OrderStatus.FILLED


def test_a_new_desk_resumes_the_stored_entry_and_its_wait() -> None:
    store, venue, execution, _ = setup()
    go(execution.act(Signal(BTC, Action.OPEN_LONG), D(1), ctx(), 0))
    _, venue2, _, desk2 = setup(store)
    venue2.book = venue.book  # the same venue, seen by the restarted bot
    assert desk2.working[BTC].client_order_id == "bot-BTCUSDT-0"
    assert go(desk2.work(MIN - 1, ctx)) == []
    [again] = go(desk2.work(MIN, ctx))  # type: ignore[misc]
    assert again.request.client_order_id == "bot-BTCUSDT-1"  # never an id twice


def test_a_lost_answer_waits_for_reconciliation() -> None:
    store, venue, execution, desk = setup()
    venue.fail_with = ExchangeUnavailable("timeout")
    [outcome] = go(execution.act(Signal(BTC, Action.OPEN_LONG), D(1), ctx(), 0))  # type: ignore[misc]
    assert outcome.pending and BTC in desk.working
    assert go(desk.work(10 * MIN, ctx)) == []  # its intent is pending: nothing is sent again
    assert venue.submitted == []
    # Reconciliation never finds it (unresolved): the entry ends, no second order beside it.
    store.resolve_intent("bot-BTCUSDT-0", "unresolved", 11 * MIN)
    assert go(desk.work(12 * MIN, ctx)) == []
    assert venue.submitted == [] and desk.working == {}


def test_an_entry_found_by_reconciliation_after_a_lost_answer_is_worked_on() -> None:
    store, venue, execution, desk = setup()
    venue.fail_with = ExchangeUnavailable("timeout")
    go(execution.act(Signal(BTC, Action.OPEN_LONG), D(1), ctx(), 0))
    # The venue had taken it after all: reconciliation records it and resolves the intent.
    request = OrderRequest(
        "bot-BTCUSDT-0", BTC, Side.BUY, OrderType.LIMIT, D(1), D("99.9"), post_only=True
    )
    found = Order(
        "bot-BTCUSDT-0",
        "x9",
        BTC,
        Side.BUY,
        OrderType.LIMIT,
        D(1),
        D(1),
        OrderStatus.FILLED,
        price=D("99.9"),
    )
    venue.book[request.client_order_id] = found
    store.record_order(found)
    assert go(desk.work(MIN, ctx)) == [] and desk.working == {}
    assert venue.submitted == []


def test_the_same_signal_keeps_the_entry_and_another_withdraws_it() -> None:
    _, venue, execution, desk = setup()
    go(execution.act(Signal(BTC, Action.OPEN_LONG), D(1), ctx(), 0))
    assert go(execution.act(Signal(BTC, Action.OPEN_LONG), D(1), ctx(), 1)) == []
    assert len(venue.submitted) == 1
    go(execution.act(Signal(BTC, Action.CLOSE), D(0), ctx(), 2))
    assert venue.book["bot-BTCUSDT-0"].status is OrderStatus.CANCELED and desk.working == {}


def test_a_refused_entry_ends() -> None:
    _, venue, execution, desk = setup()
    [outcome] = go(execution.act(Signal(BTC, Action.OPEN_LONG), D(60), ctx(), 0))  # type: ignore[misc]
    assert outcome.rejected_by.startswith("risk:") and desk.working == {}
    assert venue.submitted == []


def test_on_a_locked_book_the_entry_rests_one_tick_inside() -> None:
    _, venue, execution, _ = setup()
    venue.touch = Touch(BTC, D("100.0"), D("100.0"))  # the bid would take
    go(execution.act(Signal(BTC, Action.OPEN_LONG), D(1), ctx(), 0))
    assert venue.submitted[0].price == D("99.9")


def test_a_placement_the_venue_refuses_is_placed_again_next_cycle() -> None:
    _, venue, execution, desk = setup(max_reprices=2)
    venue.fail_with = InvalidOrder("post-only would cross")
    [refused] = go(execution.act(Signal(BTC, Action.OPEN_LONG), D(1), ctx(), 0))  # type: ignore[misc]
    assert not refused.sent and not refused.pending and BTC in desk.working
    [again] = go(desk.work(1, ctx))  # type: ignore[misc]
    assert again.sent and desk.working[BTC].reprices == 1


prices = st.decimals(min_value=D("0.1"), max_value=D(100000), places=1)


@given(bid=prices, spread=st.integers(0, 50), side=st.sampled_from(list(Side)))
def test_the_maker_price_never_takes(bid: Decimal, spread: int, side: Side) -> None:
    touch = Touch(BTC, bid, bid + spread * TICK)
    price = maker_price(touch, side, TICK)
    assert price % TICK == 0
    if side is Side.BUY:
        assert price < touch.ask and price <= touch.bid
    else:
        assert price > touch.bid and price >= touch.ask
