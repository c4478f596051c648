"""Order types on the simulated exchange: market, limit GTC/IOC/FOK, post-only, reduce-only, cancel,
partial fills from the candle's volume, spread, slippage and fees."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from bot_v2.adapters.brokers.sim.events import Filled
from bot_v2.adapters.brokers.sim.settings import SimSettings
from bot_v2.domain.errors import InsufficientFunds, InvalidOrder, OrderNotFound
from bot_v2.domain.orders import OrderStatus, Side, TimeInForce
from tests.unit.sim._support import (
    NO_COSTS,
    SYMBOL,
    T0,
    H,
    bars,
    exchange,
    feed,
    limit,
    market,
)

FLAT = (
    [(100.0, 101.0, 99.0, 100.0)] * 6
    + [(100.0, 100.0, 95.0, 96.0)]
    + [(96.0, 97.0, 95.5, 96.5)] * 5
)


def fills(events: list[object]) -> list[tuple[Decimal, Decimal, bool]]:
    return [(e.fill.size, e.fill.price, e.fill.is_maker) for e in events if isinstance(e, Filled)]


def test_market_order_pays_half_the_spread_on_the_tick_and_the_taker_fee() -> None:
    settings = attrs.evolve(NO_COSTS, spread_bps=Decimal(10), taker_fee=Decimal("0.001"))
    ex = exchange(feed(bars(FLAT)), settings)
    order, events = ex.submit(market("b", Side.BUY, "1"), T0 + H)
    # Next open 100 * (1 + 0.0005) = 100.05 -> the tick at or above: 100.1
    assert order.status is OrderStatus.FILLED and order.average_price == Decimal("100.1")
    fill = next(e.fill for e in events if isinstance(e, Filled))
    assert fill.fee == Decimal("0.1001") and not fill.is_maker and fill.timestamp_ms == T0 + H
    order, _ = ex.submit(market("s", Side.SELL, "1"), T0 + H)
    assert order.average_price == Decimal("99.9")


def test_slippage_grows_with_size_and_volatility() -> None:
    settings = attrs.evolve(NO_COSTS, slippage=Decimal(1))
    prices = []
    for size in ("1", "50"):
        ex = exchange(feed(bars(FLAT, volume=1000)), settings)
        order, _ = ex.submit(market(f"b{size}", Side.BUY, size), T0 + H)
        prices.append(order.average_price)
    # range 2 % of the open: 1 lot of 1000 pays 2% * sqrt(0.001) = 0.063 %; 50 lots 0.45 %
    assert prices == [Decimal("100.1"), Decimal("100.5")]


def test_gtc_limit_rests_until_the_price_trades_through_it_and_pays_maker() -> None:
    settings = attrs.evolve(NO_COSTS, maker_fee=Decimal("0.0002"))
    ex = exchange(feed(bars(FLAT)), settings)
    order, events = ex.submit(limit("l", Side.BUY, "2", "99.0"), T0 + H)
    assert order.status is OrderStatus.NEW and fills(events) == []
    # Low 99.0 touches but does not trade through 99.0.
    assert fills(ex.advance(T0 + 6 * H).events) == []
    events = ex.advance(T0 + 7 * H).events  # candle 6 trades down to 95
    assert fills(events) == [(Decimal(2), Decimal("99.0"), True)]
    filled = ex.order("l")
    assert filled is not None and filled.status is OrderStatus.FILLED
    assert ex.fills_since([SYMBOL], 0)[0].fee == Decimal("0.039600")
    assert ex.fills_since([SYMBOL], 0)[0].timestamp_ms == T0 + 7 * H


def test_partial_fills_take_a_share_of_each_candles_volume() -> None:
    settings = attrs.evolve(NO_COSTS, volume_share=Decimal("0.1"))
    rows = [(100.0, 100.0, 100.0, 100.0)] + [(100.0, 100.0, 90.0, 95.0)] * 4
    ex = exchange(feed(bars(rows, volume=10)), settings)
    ex.submit(limit("p", Side.BUY, "2.5", "99.0"), T0 + H)
    ex.advance(T0 + 3 * H)
    order = ex.order("p")
    assert order is not None
    assert (order.filled, order.remaining, order.status) == (
        Decimal(2),
        Decimal("0.5"),
        OrderStatus.PARTIALLY_FILLED,
    )
    ex.advance(T0 + 4 * H)
    order = ex.order("p")
    assert order is not None and order.status is OrderStatus.FILLED
    assert [f.size for f in ex.fills_since([SYMBOL], 0)] == [Decimal(1), Decimal(1), Decimal("0.5")]


def test_ioc_fills_what_the_candle_allows_and_expires_the_rest() -> None:
    ex = exchange(feed(bars(FLAT, volume=10)), NO_COSTS)
    order, _ = ex.submit(limit("i", Side.BUY, "3", "101.0", TimeInForce.IOC), T0 + H)
    assert (order.filled, order.status) == (Decimal(1), OrderStatus.EXPIRED)
    order, _ = ex.submit(limit("j", Side.BUY, "3", "99.0", TimeInForce.IOC), T0 + H)
    assert (order.filled, order.status) == (Decimal(0), OrderStatus.EXPIRED)


def test_fok_is_all_or_nothing() -> None:
    ex = exchange(feed(bars(FLAT, volume=10)), NO_COSTS)
    order, _ = ex.submit(limit("f", Side.BUY, "3", "101.0", TimeInForce.FOK), T0 + H)
    assert (order.filled, order.status) == (Decimal(0), OrderStatus.EXPIRED)
    order, _ = ex.submit(limit("g", Side.BUY, "1", "101.0", TimeInForce.FOK), T0 + H)
    assert (order.filled, order.status) == (Decimal(1), OrderStatus.FILLED)


def test_marketable_limit_never_pays_beyond_its_price() -> None:
    settings = attrs.evolve(NO_COSTS, spread_bps=Decimal(100))
    ex = exchange(feed(bars(FLAT)), settings)
    order, _ = ex.submit(limit("c", Side.BUY, "1", "100.6", TimeInForce.IOC), T0 + H)
    assert order.average_price == Decimal("100.5")  # the ask, below the limit


def test_post_only_is_rejected_when_it_would_cross_and_rests_otherwise() -> None:
    ex = exchange(feed(bars(FLAT)), NO_COSTS)
    with pytest.raises(InvalidOrder, match="post-only"):
        ex.submit(limit("po", Side.BUY, "1", "100.0", post_only=True), T0 + H)
    rejected = ex.order("po")
    assert rejected is not None and rejected.status is OrderStatus.REJECTED
    order, _ = ex.submit(limit("po2", Side.BUY, "1", "99.9", post_only=True), T0 + H)
    assert order.status is OrderStatus.NEW


def test_reduce_only_never_grows_or_flips_a_position() -> None:
    ex = exchange(feed(bars(FLAT)), NO_COSTS)
    with pytest.raises(InvalidOrder, match="reduce-only"):
        ex.submit(market("r0", Side.SELL, "1", reduce_only=True), T0 + H)
    ex.submit(market("o", Side.BUY, "1"), T0 + H)
    with pytest.raises(InvalidOrder, match="reduce-only"):
        ex.submit(market("r1", Side.BUY, "1", reduce_only=True), T0 + H)
    order, _ = ex.submit(market("r2", Side.SELL, "3", reduce_only=True), T0 + H)
    assert (order.filled, order.status) == (Decimal(1), OrderStatus.EXPIRED)
    assert ex.positions([SYMBOL]) == []


def test_a_resting_reduce_only_order_expires_once_the_position_is_gone() -> None:
    rows = [(100.0, 101.0, 99.0, 100.0)] * 4 + [(100.0, 103.0, 99.0, 100.0)] * 2
    ex = exchange(feed(bars(rows)), NO_COSTS)
    ex.submit(market("o", Side.BUY, "1"), T0 + H)
    ex.submit(limit("tp", Side.SELL, "1", "102.0", reduce_only=True), T0 + H)
    ex.submit(market("c", Side.SELL, "1"), T0 + 2 * H)
    ex.advance(T0 + 6 * H)  # the high of 103 trades through 102
    order = ex.order("tp")
    assert order is not None and (order.filled, order.status) == (Decimal(0), OrderStatus.EXPIRED)
    assert ex.positions([SYMBOL]) == []


def test_cancel_takes_a_resting_order_off_the_book() -> None:
    ex = exchange(feed(bars(FLAT)), NO_COSTS)
    ex.submit(limit("l", Side.BUY, "1", "98.0"), T0 + H)
    order, _ = ex.cancel(SYMBOL, "l", T0 + 2 * H)
    assert order.status is OrderStatus.CANCELED and ex.open_orders([SYMBOL]) == []
    ex.advance(T0 + 8 * H)
    assert ex.fills_since([SYMBOL], 0) == []
    with pytest.raises(InvalidOrder, match="already canceled"):
        ex.cancel(SYMBOL, "l", T0 + 8 * H)
    with pytest.raises(OrderNotFound):
        ex.cancel(SYMBOL, "nope", T0 + 8 * H)


def test_margin_and_leverage_tiers_bound_new_exposure() -> None:
    settings = attrs.evolve(NO_COSTS, initial_balance=Decimal(1000))
    ex = exchange(feed(bars(FLAT)), settings)
    with pytest.raises(InsufficientFunds):
        ex.submit(market("big", Side.BUY, "11"), T0 + H)  # 1100 at 1x
    ex.set_leverage(SYMBOL, Decimal(100), T0 + H)
    # At 100x only the first two brackets are open: 600,000 notional at most.
    with pytest.raises(InvalidOrder, match="600000"):
        ex.submit(market("huge", Side.BUY, "6001"), T0 + H)
    with pytest.raises(InvalidOrder, match="leverage"):
        ex.set_leverage(SYMBOL, Decimal(126), T0 + H)
    with pytest.raises(InvalidOrder, match="step"):
        ex.submit(market("odd", Side.BUY, "0.0005"), T0 + H)
    with pytest.raises(InvalidOrder, match="minimum"):
        ex.submit(market("tiny", Side.BUY, "0.001"), T0 + H)


def test_fee_rates_per_market() -> None:
    settings = attrs.evolve(NO_COSTS, taker_fees={SYMBOL: Decimal("0.01")})
    ex = exchange(feed(bars(FLAT)), settings)
    ex.submit(market("f", Side.BUY, "1"), T0 + H)
    assert ex.fills_since([SYMBOL], 0)[0].fee == Decimal("1.000")


def test_same_inputs_give_the_same_fills_and_the_seed_fixes_the_noise() -> None:
    def run(seed: int) -> list[tuple[Decimal, Decimal]]:
        settings = SimSettings(slippage_noise=Decimal("0.5"), seed=seed)
        ex = exchange(feed(bars(FLAT)), settings)
        for i in range(4):
            ex.submit(market(f"o{i}", Side.BUY if i % 2 == 0 else Side.SELL, "50"), T0 + H)
        return [(f.price, f.fee) for f in ex.fills_since([SYMBOL], 0)]

    assert run(7) == run(7)
    assert run(7) != run(8)
