from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from bot_v2.domain.market import Candle, Mark

from .parsers import BTC, bybit


def ticker(kind: str, ts: int, **data: Any) -> bytes:
    return orjson.dumps(
        {"topic": "tickers.BTCUSDT", "type": kind, "data": {"symbol": "BTCUSDT"} | data}
        | {"cs": 1, "ts": ts}
    )


def kline(ts: int, *items: tuple[int, bool]) -> bytes:
    entries = [
        {"start": start, "end": start + 59_999, "interval": "1", "open": "10", "close": "11"}
        | {"high": "12", "low": "9", "volume": "3", "confirm": confirm, "timestamp": ts}
        for start, confirm in items
    ]
    return orjson.dumps({"topic": "kline.1.BTCUSDT", "data": entries, "ts": ts, "type": "snapshot"})


def test_snapshot_then_deltas_keep_the_mark_price() -> None:
    parser = bybit()
    parser.feed(ticker("snapshot", 1_000, markPrice="17217.33", lastPrice="17216"))
    parser.feed(ticker("delta", 1_100, bid1Price="17216.5"))  # no markPrice: unchanged
    parser.feed(ticker("delta", 1_200, markPrice="17218.00"))
    assert parser.output.market == [
        Mark(BTC, Decimal("17217.33"), 1_000),
        Mark(BTC, Decimal("17217.33"), 1_100),
        Mark(BTC, Decimal("17218.00"), 1_200),
    ]


def test_a_delta_before_any_snapshot_is_dropped() -> None:
    parser = bybit()
    parser.feed(ticker("delta", 1_000, bid1Price="1"))
    assert parser.output.market == [] and parser.counters.dropped == 1


def test_ticker_ts_must_grow() -> None:
    parser = bybit()
    for ts in (1_000, 1_000, 900, 1_100):
        parser.feed(ticker("snapshot", ts, markPrice="5"))
    assert [m.timestamp_ms for m in parser.output.market] == [1_000, 1_100]
    assert (parser.counters.duplicates, parser.counters.out_of_order) == (1, 1)


T0 = 1_700_000_040_000  # a minute boundary


def test_only_confirmed_klines_become_candles() -> None:
    parser = bybit()
    parser.feed(kline(10, (T0, False)))
    parser.feed(kline(20, (T0, True), (T0 + 60_000, False)))
    parser.feed(kline(30, (T0, True)))
    one = Decimal
    assert parser.output.market == [
        Candle(BTC, 60_000, T0, one(10), one(12), one(9), one(11), one(3)),
    ]
    assert parser.counters.duplicates == 1


def test_control_frames_are_neither_data_nor_errors() -> None:
    parser = bybit()
    parser.feed(b'{"success":true,"ret_msg":"pong","conn_id":"1","op":"ping"}')
    parser.feed(b'{"req_id":"1","op":"pong","args":["1"],"conn_id":"1"}')
    parser.feed(b'{"success":true,"ret_msg":"","conn_id":"1","op":"subscribe"}')
    assert parser.pongs == 2
    assert (parser.counters.data_messages, parser.counters.malformed) == (0, 0)
    assert parser.counters.dropped == 0
    parser.feed(b'{"success":false,"ret_msg":"error:handler not found","op":"subscribe"}')
    assert parser.counters.dropped == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"[]",
        b'{"no": "topic or op"}',
        b'{"topic": ["x"]}',
        ticker("snapshot", 1),  # no markPrice in a snapshot
        ticker("other", 1, markPrice="1"),
        ticker("snapshot", -1, markPrice="1"),
        ticker("snapshot", 1, markPrice="nan"),
        orjson.dumps({"topic": "kline.1.BTCUSDT", "data": [{"confirm": 1}], "ts": 1}),
        orjson.dumps({"topic": "kline.1.BTCUSDT", "data": "x", "ts": 1}),
    ],
)
def test_malformed_frames_are_counted_never_raised(raw: bytes) -> None:
    parser = bybit()
    assert parser.feed(raw) is True
    assert parser.counters.malformed == 1 and parser.output.market == []
