"""The sim exchange's touch (ports/touch.py): the quote a new order meets now. A post-only buy at
the bid rests and a post-only buy at the ask is refused; the resting one fills as maker, at its own
price and the maker fee, only on a candle whose low trades through it."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from bot_v2.adapters.brokers.sim.events import Filled
from bot_v2.domain.errors import InvalidOrder
from bot_v2.domain.orders import OrderStatus, Side
from tests.unit.sim._support import NO_COSTS, T0, H, bars, exchange, feed, limit

SETTINGS = attrs.evolve(
    NO_COSTS, spread_bps=Decimal(10), maker_fee=Decimal("0.0002"), taker_fee=Decimal("0.0005")
)
# Open 100 at the first cycle; the third candle only touches 99.9, the fourth trades through it.
CANDLES = [
    (100.0, 100.5, 99.95, 100.0),
    (100.0, 100.5, 99.95, 100.0),
    (100.0, 100.5, 99.9, 100.0),
    (100.0, 100.5, 99.5, 100.0),
    (100.0, 100.5, 99.5, 100.0),
]


def test_touch_is_the_quote_around_the_next_open_and_a_maker_entry_at_it_rests() -> None:
    ex = exchange(feed(bars(CANDLES)), SETTINGS)
    ex.advance(T0 + H)
    bid, ask = ex.best_quotes("BTC/USDT:USDT")
    assert (bid, ask) == (Decimal("99.9"), Decimal("100.1"))  # 5 bps each side, on the tick
    with pytest.raises(InvalidOrder, match="post-only"):
        ex.submit(limit("take", Side.BUY, "1", str(ask), post_only=True), T0 + H)
    order, _ = ex.submit(limit("rest", Side.BUY, "1", str(bid), post_only=True), T0 + H)
    assert order.status is OrderStatus.NEW
    # The candle after it only touches the price: no fill.
    assert not [e for e in ex.advance(T0 + 3 * H).events if isinstance(e, Filled)]
    [filled] = [e.fill for e in ex.advance(T0 + 4 * H).events if isinstance(e, Filled)]
    assert filled.is_maker and filled.price == bid and filled.size == 1
    assert filled.fee == bid * SETTINGS.maker_fee
