from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import orjson
import pytest

from bot_v2.domain.fills import Fill
from bot_v2.domain.orders import Order, OrderStatus, OrderType, Side

from .parsers import BTC, user


def update(**fields: Any) -> bytes:
    o = {
        "s": "BTCUSDT", "c": "bot-7", "S": "SELL", "o": "LIMIT", "f": "GTC", "q": "0.010",
        "p": "60000.5", "ap": "0", "x": "NEW", "X": "NEW", "i": 42, "l": "0", "z": "0",
        "L": "0", "N": "USDT", "n": "0", "T": 1_700_000_000_000, "t": 0, "m": False, "R": False,
    }  # fmt: skip
    return orjson.dumps({"e": "ORDER_TRADE_UPDATE", "E": 1_700_000_000_001, "o": o | fields})


def test_a_new_order_is_an_order_update_only() -> None:
    parser = user()
    assert parser.feed(update())
    (order,) = parser.output.account
    assert order == Order(
        client_order_id="bot-7", exchange_order_id="42", symbol=BTC, side=Side.SELL,
        type=OrderType.LIMIT, size=Decimal("0.010"), filled=Decimal(0), status=OrderStatus.NEW,
        price=Decimal("60000.5"), average_price=None, reduce_only=False,
        timestamp_ms=1_700_000_000_000,
    )  # fmt: skip


def test_a_trade_gives_the_order_state_and_the_fill() -> None:
    parser = user()
    parser.feed(
        update(x="TRADE", X="FILLED", l="0.010", z="0.010", L="60000.5", ap="60000.5", t=77)
    )
    order, fill = parser.output.account
    assert isinstance(order, Order) and order.status is OrderStatus.FILLED
    assert order.average_price == Decimal("60000.5")
    assert fill == Fill(
        fill_id="77", client_order_id="bot-7", exchange_order_id="42", symbol=BTC,
        side=Side.SELL, size=Decimal("0.010"), price=Decimal("60000.5"), fee=Decimal(0),
        timestamp_ms=1_700_000_000_000, is_maker=False, liquidation=False,
    )  # fmt: skip


def test_liquidations_and_stop_markets_map_onto_the_domain() -> None:
    parser = user()
    parser.feed(
        update(
            x="CALCULATED", X="FILLED", o="LIQUIDATION", c="autoclose-1", l="1", z="1", L="49000"
        )
    )
    parser.feed(update(o="STOP_MARKET", p="0", i=43))
    _liquidation, fill, stop = parser.output.account
    assert isinstance(fill, Fill) and fill.liquidation and fill.price == Decimal(49000)
    assert isinstance(stop, Order) and stop.type is OrderType.MARKET and stop.price is None


def test_the_same_update_twice_passes_once() -> None:
    parser = user()
    raw = update(x="TRADE", X="PARTIALLY_FILLED", l="0.004", z="0.004", L="60000", t=5)
    parser.feed(raw)
    parser.feed(raw)
    assert len(parser.output.account) == 2 and parser.counters.duplicates == 1


def test_listen_key_expiry_ends_the_session_and_known_events_are_ignored() -> None:
    parser = user()
    assert parser.feed(b'{"e":"ACCOUNT_UPDATE","E":1,"a":{}}') is True
    assert parser.feed(b'{"e":"SOMETHING_NEW","E":1}') is True
    assert parser.counters.dropped == 1 and parser.counters.malformed == 0
    assert parser.feed(b'{"e":"listenKeyExpired","E":1,"listenKey":"k"}') is False


@pytest.mark.parametrize(
    "raw",
    [
        b"nope",
        b'{"e": "ORDER_TRADE_UPDATE"}',
        update(S="HOLD"),
        update(X="WEIRD"),
        update(q="-1"),
        update(i="42"),
        update(s="not a symbol!"),
        update(x="TRADE", l="0.1", L="0", t=1),
    ],
)
def test_bad_updates_are_counted_and_never_logged_verbatim(
    raw: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    parser = user()
    with caplog.at_level(logging.DEBUG):
        assert parser.feed(raw) is True
    assert parser.counters.malformed == 1 and parser.output.account == []
    assert "bot-7" not in caplog.text and "nope" not in caplog.text
