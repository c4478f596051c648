from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from bot_v2.domain.market import Candle, Mark

from .parsers import BTC, binance


def frame(data: dict[str, Any], stream: str = "btcusdt@x") -> bytes:
    return orjson.dumps({"stream": stream, "data": data})


def book(u: int, bid: str = "67321.10", ask: str = "67321.30", e: int = 1_000) -> bytes:
    return frame(
        {"e": "bookTicker", "u": u, "E": e, "T": e, "s": "BTCUSDT", "b": bid, "B": "1", "a": ask}
        | {"A": "2"}
    )


def mark_price(e: int, p: str = "67300.5") -> bytes:
    return frame({"e": "markPriceUpdate", "E": e, "s": "BTCUSDT", "p": p, "r": "0.0001"})


def kline(t: int, closed: bool, e: int = 1, interval: str = "1m", **prices: str) -> bytes:
    k = {"t": t, "T": t + 59_999, "s": "BTCUSDT", "i": interval, "x": closed, "v": "12.5"}
    k |= {"o": "100", "h": "110", "l": "90", "c": "105"} | prices
    return frame({"e": "kline", "E": e, "s": "BTCUSDT", "k": k})


def test_book_ticker_becomes_a_mark_at_the_exact_decimal_mid() -> None:
    parser = binance()
    assert parser.feed(book(10))
    assert parser.output.market == [Mark(BTC, Decimal("67321.20"), 1_000)]
    assert parser.output.latest_marks[BTC].price == Decimal("67321.200")
    assert (parser.counters.messages, parser.counters.data_messages) == (1, 1)


def test_book_ticker_update_ids_must_grow() -> None:
    parser = binance()
    for u in (10, 10, 9, 11):
        parser.feed(book(u))
    assert len(parser.output.market) == 2
    assert (parser.counters.duplicates, parser.counters.out_of_order) == (1, 1)
    assert parser.counters.data_messages == 4  # still signs of life


def test_mark_price_event_time_must_grow_and_jumps_count_as_gaps() -> None:
    parser = binance()
    for e in (1_000, 2_000, 2_000, 1_500, 9_000):
        parser.feed(mark_price(e))
    assert [m.timestamp_ms for m in parser.output.market] == [1_000, 2_000, 9_000]
    assert (parser.counters.duplicates, parser.counters.out_of_order) == (1, 1)
    assert parser.counters.gaps == 1


T0 = 1_700_000_040_000  # a minute boundary


def test_only_closed_klines_become_candles_once_each() -> None:
    parser = binance()
    parser.feed(kline(T0, closed=False))
    parser.feed(kline(T0, closed=True))
    parser.feed(kline(T0, closed=True))  # repeated after a reconnect, say
    parser.feed(kline(T0 + 60_000, closed=False))
    parser.feed(kline(T0 + 180_000, closed=True))
    prices = (Decimal(100), Decimal(110), Decimal(90), Decimal(105), Decimal("12.5"))
    assert parser.output.market == [
        Candle(BTC, 60_000, T0, *prices),
        Candle(BTC, 60_000, T0 + 180_000, *prices),
    ]
    assert (parser.counters.duplicates, parser.counters.gaps, parser.counters.events) == (1, 1, 2)


def test_routing_rejects_what_it_does_not_follow() -> None:
    parser = binance()
    parser.feed(frame({"e": "aggTrade", "s": "BTCUSDT"}))
    parser.feed(frame({"e": "bookTicker", "u": 1, "E": 1, "s": "XRPUSDT", "b": "1", "a": "1"}))
    parser.feed(kline(T0, closed=True, interval="5m"))
    parser.feed(orjson.dumps({"result": None, "id": 1}))  # a SUBSCRIBE answer
    assert parser.counters.dropped == 3
    assert parser.counters.malformed == 0 and parser.output.market == []


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b'{"stream": "x", "data": {"e": "bookT',
        b"[1, 2]",
        b'{"data": "text"}',
        b'{"data": {"e": ["list"]}}',
        book(1, bid="NaN"),
        book(1, bid="Infinity"),
        book(1, bid="-5"),
        book(1, bid="1e999999"),
        book(1, bid="abc"),
        frame({"e": "bookTicker", "u": True, "E": 1, "s": "BTCUSDT", "b": "1", "a": "1"}),
        frame({"e": "bookTicker", "u": 1, "E": 1.5, "s": "BTCUSDT", "b": "1", "a": "1"}),
        frame({"e": "bookTicker", "u": 1, "E": 1, "s": "BTCUSDT", "b": 1.5, "a": "1"}),
        frame({"e": "markPriceUpdate", "E": 1, "s": "BTCUSDT"}),
        frame({"e": "kline", "E": 1, "s": "BTCUSDT", "k": {"x": "yes"}}),
        kline(0, closed=True, h="80"),  # high below open: not a candle
        frame({"e": "bookTicker", "u": 1, "E": 1, "s": ["BTCUSDT"], "b": "1", "a": "1"}),
    ],
)
def test_malformed_frames_are_counted_never_raised(raw: bytes) -> None:
    parser = binance()
    assert parser.feed(raw) is True
    assert parser.counters.malformed == 1
    assert parser.output.market == [] and parser.counters.data_messages == 0


def test_a_malformed_message_does_not_poison_the_sequence() -> None:
    parser = binance()
    parser.feed(book(1_000_000, bid="NaN"))  # a huge update id in a bad frame
    parser.feed(book(5))
    assert len(parser.output.market) == 1
