"""Property: no input makes a parser raise. Every frame is counted once, and what is not usable is
rejected (malformed) or dropped, never half-applied."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .parsers import binance, bybit, user

# orjson writes 64-bit integers only; bigger ones still reach the parsers in test_arbitrary_bytes.
ints = st.integers(-(2**63), 2**63 - 1)
json_leaves = (
    st.none()
    | st.booleans()
    | ints
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=6,
)


def mostly(valid: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly valid, so whole messages often get through to the deep paths too. (one_of would
    pick its branches about evenly, whatever their count.)"""
    return st.sampled_from(range(8)).flatmap(lambda n: odd if n == 3 else valid)


# Numbers as venues send them, and the strings that break naive Decimal code.
odd_numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "0", "-0", "1e999999999", "1e-999999999", "NaN", "sNaN", "-Infinity"]),
    json_leaves,
)
price = mostly(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**6), places=2).map(str),
    odd_numbers,
)
stamp = mostly(st.integers(1, 2 * 10**12), st.one_of(ints, json_leaves))
flag = mostly(st.booleans(), json_leaves)


def _dump(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


binance_data = st.fixed_dictionaries(
    {
        "e": mostly(st.sampled_from(["bookTicker", "markPriceUpdate", "kline"]), st.text()),
        "s": mostly(st.sampled_from(["BTCUSDT", "ETHUSDT"]), json_values),
        "u": stamp,
        "E": stamp,
        "b": price,
        "a": price,
        "p": price,
        "k": mostly(
            st.fixed_dictionaries(
                {
                    "t": stamp,
                    "i": mostly(st.just("1m"), st.text(max_size=3)),
                    "x": flag,
                    "o": price,
                    "h": price,
                    "l": price,
                    "c": price,
                    "v": price,
                }
            ),
            json_values,
        ),
    }
)
bybit_message = st.fixed_dictionaries(
    {
        "topic": mostly(st.sampled_from(["tickers.BTCUSDT", "kline.1.BTCUSDT"]), json_values),
        "type": mostly(st.sampled_from(["snapshot", "delta"]), json_values),
        "ts": stamp,
        "data": st.one_of(
            st.fixed_dictionaries({}, optional={"markPrice": price}),
            st.lists(
                st.fixed_dictionaries(
                    {
                        "start": stamp,
                        "confirm": flag,
                        "open": price,
                        "high": price,
                        "low": price,
                        "close": price,
                        "volume": price,
                    }
                ),
                max_size=3,
            ),
            json_values,
        ),
    },
    optional={"op": json_values, "success": json_values},
)
user_order = st.fixed_dictionaries(
    {
        "s": mostly(st.sampled_from(["BTCUSDT", "ETHUSDT"]), json_values),
        "c": mostly(st.text(max_size=8), json_values),
        "S": mostly(st.sampled_from(["BUY", "SELL"]), json_values),
        "o": mostly(st.sampled_from(["LIMIT", "MARKET", "STOP_MARKET"]), json_values),
        "q": price,
        "p": price,
        "ap": price,
        "x": mostly(st.sampled_from(["NEW", "TRADE", "CALCULATED"]), json_values),
        "X": mostly(st.sampled_from(["NEW", "PARTIALLY_FILLED", "FILLED"]), json_values),
        "i": stamp,
        "l": price,
        "z": price,
        "L": price,
        "n": mostly(st.decimals(-10, 10, places=4).map(str), odd_numbers),
        "T": stamp,
        "t": stamp,
        "m": flag,
        "R": flag,
    }
)
user_message = st.fixed_dictionaries(
    {
        "e": mostly(st.sampled_from(["ORDER_TRADE_UPDATE", "ACCOUNT_UPDATE"]), json_values),
        "o": mostly(user_order, json_values),
    }
)

FAST = settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)


def _feed_all(parser: Any, frames: list[bytes]) -> None:
    for raw in frames:
        assert parser.feed(raw) in (True, False)
    c = parser.counters
    assert c.messages == len(frames)
    assert c.malformed + c.data_messages <= c.messages


@FAST
@given(st.lists(st.binary(max_size=64), max_size=5))
def test_arbitrary_bytes(frames: list[bytes]) -> None:
    for make in (binance, bybit, user):
        _feed_all(make(), frames)


@FAST
@given(st.lists(json_values.map(_dump), max_size=5))
def test_arbitrary_json(frames: list[bytes]) -> None:
    for make in (binance, bybit, user):
        _feed_all(make(), frames)


@FAST
@given(st.lists(binance_data.map(lambda d: _dump({"stream": "s", "data": d})), max_size=6))
def test_binance_shaped_messages_with_arbitrary_fields(frames: list[bytes]) -> None:
    parser = binance()
    _feed_all(parser, frames)
    # Whatever got through is well-formed: positive prices, candles inside their range.
    for event in parser.output.market:
        assert event.timestamp_ms > 0
        if hasattr(event, "price"):
            assert event.price > 0
        else:
            assert event.low <= min(event.open, event.close) <= max(event.open, event.close)
            assert max(event.open, event.close) <= event.high


@FAST
@given(st.lists(bybit_message.map(_dump), max_size=6))
def test_bybit_shaped_messages_with_arbitrary_fields(frames: list[bytes]) -> None:
    _feed_all(bybit(), frames)


@FAST
@given(st.lists(user_message.map(_dump), max_size=6))
def test_user_data_shaped_messages_with_arbitrary_fields(frames: list[bytes]) -> None:
    parser = user()
    _feed_all(parser, frames)
    assert parser.counters.events == len(parser.output.account)
