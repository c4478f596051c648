"""Conditional orders on the simulated exchange, as Binance holds them: stop-market,
take-profit-market and stop-limit, reduce-only and close-position, triggered by the mark or the
last price inside a candle's range; their order inside a candle; their place beside liquidation
and in fast mode; a stop on a persistent exchange outliving the bot."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from bot_v2.adapters.brokers.sim.broker import SimBroker
from bot_v2.adapters.brokers.sim.events import Filled, Liquidated, SimEvent
from bot_v2.adapters.brokers.sim.exchange import SimExchange
from bot_v2.adapters.brokers.sim.lookahead import EveryCandle, SkipQuiet
from bot_v2.adapters.brokers.sim.settings import IntrabarOrder, SimSettings
from bot_v2.adapters.replay.csv_files import MarkPoint
from bot_v2.domain.errors import InvalidOrder, OrderNotFound
from bot_v2.domain.orders import OrderRequest, OrderStatus, OrderType, Side, TriggerPrice
from tests.unit.sim._support import (
    NO_COSTS,
    SPEC,
    SYMBOL,
    T0,
    Clock,
    H,
    bars,
    exchange,
    feed,
    market,
)

D = Decimal
FLAT = (100.0, 101.0, 99.0, 100.0)


def protective(
    coid: str,
    kind: OrderType,
    side: Side,
    size: str,
    trigger: str,
    *,
    by: TriggerPrice = TriggerPrice.MARK,
    close_position: bool = False,
    price: str | None = None,
) -> OrderRequest:
    return OrderRequest(
        coid,
        SYMBOL,
        side,
        kind,
        D(size),
        D(price) if price is not None else None,
        reduce_only=True,
        trigger_price=D(trigger),
        trigger_by=by,
        close_position=close_position,
    )


def stop(
    coid: str,
    side: Side,
    size: str,
    trigger: str,
    by: TriggerPrice = TriggerPrice.MARK,
    close_position: bool = False,
) -> OrderRequest:
    return protective(
        coid, OrderType.STOP_MARKET, side, size, trigger, by=by, close_position=close_position
    )


def take_profit(
    coid: str, side: Side, size: str, trigger: str, close_position: bool = False
) -> OrderRequest:
    kind = OrderType.TAKE_PROFIT_MARKET
    return protective(coid, kind, side, size, trigger, close_position=close_position)


def fills(events: list[SimEvent]) -> list[tuple[str, Decimal, Decimal, bool]]:
    return [
        (e.fill.client_order_id, e.fill.size, e.fill.price, e.fill.is_maker)
        for e in events
        if isinstance(e, Filled)
    ]


def long_with(rows: list[tuple[float, float, float, float]], size: str = "1") -> SimExchange:
    """An exchange over `rows` holding a long of `size` bought at the open of candle 1 (100)."""
    ex = exchange(feed(bars(rows)), NO_COSTS)
    ex.submit(market("entry", Side.BUY, size), T0 + H)
    return ex


def status(ex: SimExchange, coid: str) -> OrderStatus:
    order = ex.order(coid)
    assert order is not None
    return order.status


# -- triggering ---------------------------------------------------------------------------------


def test_a_mark_stop_triggers_on_the_mark_candle_and_fills_as_taker_at_its_trigger() -> None:
    rows = [FLAT] * 3 + [(100.0, 100.5, 96.0, 97.0)] + [(97.0, 97.5, 96.5, 97.0)] * 2
    settings = attrs.evolve(NO_COSTS, spread_bps=D(10))
    ex = exchange(feed(bars(rows)), settings)
    ex.submit(market("entry", Side.BUY, "1"), T0 + H)
    order, _ = ex.place_conditional(stop("sl", Side.SELL, "1", "98.0"), T0 + H)
    assert order.status is OrderStatus.NEW and order.trigger_price == D("98.0")
    assert [o.client_order_id for o in ex.conditional_orders([SYMBOL])] == ["sl"]
    assert ex.open_orders([SYMBOL]) == []  # listed apart from plain orders
    assert fills(ex.advance(T0 + 3 * H).events) == []
    events = ex.advance(T0 + 4 * H).events  # candle 3 trades down to 96
    # A taker sell from 98.0 less half the 10 bp spread, on the tick below.
    assert fills(events) == [("sl", D(1), D("97.9"), False)]
    assert ex.fills_since([SYMBOL], 0)[-1].timestamp_ms == T0 + 4 * H
    assert status(ex, "sl") is OrderStatus.FILLED
    assert ex.conditional_orders([SYMBOL]) == [] and ex.positions([SYMBOL]) == []


def test_mark_and_last_triggers_read_their_own_series() -> None:
    # Candle 3: the trade price dips to 96, the mark only to 98.5.
    rows = [FLAT] * 3 + [(100.0, 100.5, 96.0, 99.0)] + [(99.0, 99.5, 98.8, 99.0)] * 2
    marks = [MarkPoint(T0 + i * H, D(100), D(100), D(101), D(99)) for i in range(3)]
    marks += [MarkPoint(T0 + 3 * H, D(100), D(99), D("100.2"), D("98.5"))]
    ex = exchange(feed(bars(rows), marks=marks), NO_COSTS)
    ex.submit(market("entry", Side.BUY, "2"), T0 + H)
    ex.place_conditional(stop("mark", Side.SELL, "1", "98.0"), T0 + H)
    ex.place_conditional(stop("last", Side.SELL, "1", "98.0", by=TriggerPrice.LAST), T0 + H)
    events = ex.advance(T0 + 6 * H).events
    assert fills(events) == [("last", D(1), D("98.0"), False)]
    assert [o.client_order_id for o in ex.conditional_orders([SYMBOL])] == ["mark"]


def test_a_gap_through_the_trigger_fills_at_the_open() -> None:
    rows = [FLAT] * 3 + [(94.0, 95.0, 93.0, 94.5)] + [(94.5, 95.0, 94.0, 94.5)] * 2
    ex = long_with(rows)
    ex.place_conditional(stop("sl", Side.SELL, "1", "98.0"), T0 + H)
    assert fills(ex.advance(T0 + 6 * H).events) == [("sl", D(1), D("94.0"), False)]


def test_placing_a_trigger_the_price_already_reached_is_refused() -> None:
    ex = long_with([FLAT] * 6)
    with pytest.raises(InvalidOrder, match="would trigger immediately"):
        ex.place_conditional(stop("sl", Side.SELL, "1", "100.0"), T0 + H)
    with pytest.raises(InvalidOrder, match="would trigger immediately"):
        ex.place_conditional(take_profit("tp", Side.SELL, "1", "99.0"), T0 + H)
    assert ex.order("sl") is None and ex.order("tp") is None


def test_conditional_orders_are_placed_and_cancelled_apart() -> None:
    ex = long_with([FLAT] * 6)
    with pytest.raises(InvalidOrder, match="conditional"):
        ex.submit(stop("sl", Side.SELL, "1", "90.0"), T0 + H)
    with pytest.raises(InvalidOrder, match="close_position"):
        ex.place_conditional(
            protective(
                "sll",
                OrderType.STOP_LIMIT,
                Side.SELL,
                "1",
                "90.0",
                price="89.0",
                close_position=True,
            ),
            T0 + H,
        )
    ex.place_conditional(stop("sl", Side.SELL, "1", "90.0"), T0 + H)
    with pytest.raises(OrderNotFound):
        ex.cancel(SYMBOL, "sl", T0 + H)
    with pytest.raises(InvalidOrder, match="duplicate"):
        ex.place_conditional(stop("sl", Side.SELL, "1", "91.0"), T0 + H)
    order, _ = ex.cancel_conditional(SYMBOL, "sl", T0 + 2 * H)
    assert order.status is OrderStatus.CANCELED and ex.conditional_orders([SYMBOL]) == []
    with pytest.raises(OrderNotFound):
        ex.cancel_conditional(SYMBOL, "sl", T0 + 2 * H)
    with pytest.raises(OrderNotFound):
        ex.cancel_conditional(SYMBOL, "entry", T0 + 2 * H)  # a plain order


# -- reduce-only and close-position ---------------------------------------------------------


DROP = [FLAT] * 3 + [(100.0, 100.0, 95.0, 96.0)] + [(96.0, 96.5, 95.5, 96.0)] * 2


def test_a_reduce_only_stop_never_flips_the_position() -> None:
    ex = long_with(DROP, "1")
    ex.place_conditional(stop("sl", Side.SELL, "3", "98.0"), T0 + H)
    assert fills(ex.advance(T0 + 6 * H).events) == [("sl", D(1), D("98.0"), False)]
    assert ex.positions([SYMBOL]) == []
    order = ex.order("sl")
    assert order is not None and (order.filled, order.status) == (D(1), OrderStatus.EXPIRED)


def test_close_position_closes_the_whole_position_at_trigger_time() -> None:
    ex = long_with(DROP, "1")
    ex.place_conditional(stop("sl", Side.SELL, "1", "98.0", close_position=True), T0 + H)
    ex.submit(market("more", Side.BUY, "2"), T0 + 2 * H)  # the position grows after placement
    assert fills(ex.advance(T0 + 6 * H).events) == [("sl", D(3), D("98.0"), False)]
    order = ex.order("sl")
    assert order is not None and order.close_position
    assert (order.size, order.filled, order.status) == (D(3), D(3), OrderStatus.FILLED)
    assert ex.positions([SYMBOL]) == []


def test_a_stop_outlives_its_position_and_expires_when_it_triggers() -> None:
    ex = long_with(DROP, "1")
    ex.place_conditional(stop("sl", Side.SELL, "1", "98.0", close_position=True), T0 + H)
    ex.submit(market("exit", Side.SELL, "1"), T0 + 2 * H)  # closed by other means
    assert [o.client_order_id for o in ex.conditional_orders([SYMBOL])] == ["sl"]  # as Binance
    assert fills(ex.advance(T0 + 6 * H).events) == []
    assert status(ex, "sl") is OrderStatus.EXPIRED and ex.conditional_orders([SYMBOL]) == []


def test_a_stop_whose_position_flipped_expires_instead_of_growing_it() -> None:
    ex = long_with(DROP, "1")
    ex.place_conditional(stop("sl", Side.SELL, "1", "98.0"), T0 + H)
    ex.submit(market("flip", Side.SELL, "2"), T0 + 2 * H)  # now short 1
    assert fills(ex.advance(T0 + 6 * H).events) == []
    assert status(ex, "sl") is OrderStatus.EXPIRED
    assert [p.size for p in ex.positions([SYMBOL])] == [D(-1)]


# -- two triggers in one candle -----------------------------------------------------------------

BOTH = [FLAT] * 3 + [(100.0, 106.0, 94.0, 100.0)] + [FLAT] * 2


@pytest.mark.parametrize(
    ("intrabar", "first", "price"),
    [(IntrabarOrder.PESSIMISTIC, "sl", D("97.0")), (IntrabarOrder.OPTIMISTIC, "tp", D("104.0"))],
)
def test_a_candle_that_reaches_stop_and_take_profit_applies_the_intrabar_order(
    intrabar: IntrabarOrder, first: str, price: Decimal
) -> None:
    ex = exchange(feed(bars(BOTH)), attrs.evolve(NO_COSTS, intrabar_order=intrabar))
    ex.submit(market("entry", Side.BUY, "1"), T0 + H)
    ex.place_conditional(take_profit("tp", Side.SELL, "1", "104.0", close_position=True), T0 + H)
    ex.place_conditional(stop("sl", Side.SELL, "1", "97.0", close_position=True), T0 + H)
    assert fills(ex.advance(T0 + 6 * H).events) == [(first, D(1), price, False)]
    other = "tp" if first == "sl" else "sl"
    assert status(ex, first) is OrderStatus.FILLED
    assert status(ex, other) is OrderStatus.EXPIRED  # reached too, with no position left


def test_a_take_profit_the_candle_opened_beyond_acts_first_even_when_pessimistic() -> None:
    rows = [FLAT] * 3 + [(105.0, 105.5, 94.0, 100.0)] + [FLAT] * 2
    ex = long_with(rows)
    ex.place_conditional(stop("sl", Side.SELL, "1", "97.0"), T0 + H)
    ex.place_conditional(take_profit("tp", Side.SELL, "1", "104.0"), T0 + H)
    # The take-profit triggered as the candle opened: it sells at the open, above its trigger.
    assert fills(ex.advance(T0 + 6 * H).events) == [("tp", D(1), D("105.0"), False)]
    assert status(ex, "sl") is OrderStatus.EXPIRED


# -- stop-limit ---------------------------------------------------------------------------------


def test_a_triggered_stop_limit_takes_what_crosses_and_rests_the_rest() -> None:
    rows = [FLAT] * 3 + [(100.0, 100.0, 96.0, 97.0)] + [(97.0, 99.5, 96.5, 99.0)] * 2
    ex = long_with(rows, "2")
    crossing = protective("c", OrderType.STOP_LIMIT, Side.SELL, "1", "98.0", price="97.5")
    resting = protective("r", OrderType.STOP_LIMIT, Side.SELL, "1", "98.0", price="99.0")
    ex.place_conditional(crossing, T0 + H)
    ex.place_conditional(resting, T0 + H)
    events = ex.advance(T0 + 4 * H).events
    # The crossing one sells at once at the trigger (never below its limit); the other enters the
    # book at 99.0 and fills as maker once a later candle trades through it.
    assert fills(events) == [("c", D(1), D("98.0"), False)]
    assert [o.client_order_id for o in ex.conditional_orders([SYMBOL])] == ["r"]
    assert fills(ex.advance(T0 + 5 * H).events) == [("r", D(1), D("99.0"), True)]


# -- liquidation --------------------------------------------------------------------------------


def _leveraged(trigger: str) -> tuple[SimExchange, list[SimEvent]]:
    # 10x long at 100: liquidated near 90.4; candle 3 falls to 80.
    rows = [FLAT] * 3 + [(100.0, 100.0, 80.0, 85.0)] + [(85.0, 86.0, 84.0, 85.0)] * 2
    settings = attrs.evolve(NO_COSTS, initial_balance=D(100), margin_mode=NO_COSTS.margin_mode)
    ex = exchange(feed(bars(rows)), settings)
    ex.set_leverage(SYMBOL, D(10), T0 + H)
    ex.submit(market("entry", Side.BUY, "9"), T0 + H)
    ex.place_conditional(stop("sl", Side.SELL, "9", trigger), T0 + H)
    return ex, ex.advance(T0 + 6 * H).events


def test_a_stop_above_the_liquidation_price_closes_before_it() -> None:
    _, events = _leveraged("95.0")
    assert fills(events) == [("sl", D(9), D("95.0"), False)]
    assert not any(isinstance(e, Liquidated) for e in events)


def test_a_stop_below_the_liquidation_price_is_cancelled_by_the_liquidation() -> None:
    ex, events = _leveraged("85.0")
    assert [e.symbol for e in events if isinstance(e, Liquidated)] == [SYMBOL]
    assert status(ex, "sl") is OrderStatus.CANCELED


# -- fast mode ----------------------------------------------------------------------------------


@pytest.mark.parametrize("by", list(TriggerPrice))
def test_fast_mode_stops_before_the_candle_a_trigger_acts_on(by: TriggerPrice) -> None:
    rows = [FLAT] * 20 + [(100.0, 100.0, 97.0, 98.0)] + [FLAT] * 5
    ex = long_with(rows)
    ex.place_conditional(stop("sl", Side.SELL, "1", "98.0", by=by), T0 + H)
    advance = ex.advance(T0 + 26 * H, stop_before_change=True)
    assert advance.stopped_at_ms == T0 + 21 * H and advance.events == []
    twin = exchange(feed(bars(rows)), NO_COSTS, look_ahead=EveryCandle)
    twin.submit(market("entry", Side.BUY, "1"), T0 + H)
    twin.place_conditional(stop("sl", Side.SELL, "1", "98.0", by=by), T0 + H)
    assert twin.advance(T0 + 26 * H).events == ex.advance(T0 + 26 * H).events


def test_settings_default_to_the_pessimistic_order() -> None:
    assert SimSettings().intrabar_order is IntrabarOrder.PESSIMISTIC


# -- a persistent exchange ------------------------------------------------------------------


def _broker(rows: list[tuple[float, float, float, float]], clock: Clock, path: Path) -> SimBroker:
    return SimBroker(
        feed(bars(rows)), clock, {SYMBOL: SPEC}, NO_COSTS, state_path=path, look_ahead=SkipQuiet
    )


def test_a_stop_on_a_persistent_exchange_outlives_a_killed_bot_and_triggers(tmp_path: Path) -> None:
    path = tmp_path / "exchange.db"

    async def session_one() -> None:
        b = _broker(DROP, Clock(T0 + H), path)
        await b.start()
        await b.submit_order(market("entry", Side.BUY, "1"))
        await b.place_protective(stop("sl", Side.SELL, "1", "98.0", close_position=True))
        # killed: no close()

    async def session_two() -> None:
        clock = Clock(T0 + 2 * H)
        b = _broker(DROP, clock, path)
        await b.start()
        protecting = await b.fetch_protective_orders([SYMBOL])
        assert [(o.client_order_id, o.trigger_price, o.close_position) for o in protecting] == [
            ("sl", D("98.0"), True)
        ]
        assert await b.fetch_open_orders([SYMBOL]) == []
        clock.now = T0 + 6 * H  # the price falls through the stop meanwhile
        fills = await b.fetch_fills([SYMBOL], 0)
        assert [(f.client_order_id, f.side, f.size, f.price) for f in fills] == [
            ("entry", Side.BUY, D(1), D("100.0")),
            ("sl", Side.SELL, D(1), D("98.0")),
        ]
        assert await b.fetch_positions([SYMBOL]) == []
        assert await b.fetch_protective_orders([SYMBOL]) == []
        # killed again

    async def session_three() -> None:
        b = _broker(DROP, Clock(T0 + 6 * H), path)
        await b.start()
        order = await b.fetch_order(SYMBOL, "sl")
        assert order is not None and (order.status, order.filled) == (OrderStatus.FILLED, D(1))
        await b.close()

    asyncio.run(session_one())
    asyncio.run(session_two())
    asyncio.run(session_three())


def test_a_triggered_stop_limit_rests_in_the_book_across_a_restart(tmp_path: Path) -> None:
    rows = [FLAT] * 3 + [(100.0, 100.0, 96.0, 97.0)] + [(97.0, 99.5, 96.5, 99.0)] * 2
    path = tmp_path / "exchange.db"

    async def session_one() -> None:
        clock = Clock(T0 + H)
        b = _broker(rows, clock, path)
        await b.start()
        await b.submit_order(market("entry", Side.BUY, "1"))
        limit = protective("r", OrderType.STOP_LIMIT, Side.SELL, "1", "98.0", price="99.0")
        await b.place_protective(limit)
        clock.now = T0 + 4 * H
        assert await b.fetch_fills([SYMBOL], T0 + 2 * H) == []  # triggered, resting at 99.0

    async def session_two() -> None:
        clock = Clock(T0 + 4 * H)
        b = _broker(rows, clock, path)
        await b.start()
        assert [o.client_order_id for o in await b.fetch_protective_orders([SYMBOL])] == ["r"]
        clock.now = T0 + 5 * H
        fills = await b.fetch_fills([SYMBOL], T0 + 2 * H)
        assert [(f.client_order_id, f.price, f.is_maker) for f in fills] == [("r", D("99.0"), True)]
        await b.close()

    asyncio.run(session_one())
    asyncio.run(session_two())
