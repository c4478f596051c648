"""Field checks for the parsers' hot path. Venues send prices as strings, so Decimal is built from the
raw string (exact, and cheaper than going through float). Each check raises on bad input; the
parser turns that into a counted rejection."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.domain.market import Candle

MIN_PRICE = Decimal("1e-12")
MAX_PRICE = Decimal("1e12")
MAX_AMOUNT = Decimal("1e18")
ZERO = Decimal(0)
# Milliseconds; the upper bound is far in the future but rejects seconds-vs-nanoseconds mix-ups.
MAX_TIMESTAMP_MS = 10**14


def price(value: object) -> Decimal:
    """A price: a decimal string (or int), finite, within sane bounds. NaN fails the comparison."""
    if type(value) is str or type(value) is int:
        number = Decimal(value)
        if MIN_PRICE <= number < MAX_PRICE:
            return number
    raise ValueError("bad price")


def amount(value: object) -> Decimal:
    """A size or volume: like a price, but zero is allowed."""
    if type(value) is str or type(value) is int:
        number = Decimal(value)
        if ZERO <= number < MAX_AMOUNT:
            return number
    raise ValueError("bad amount")


def signed(value: object) -> Decimal:
    """A fee or PnL: any sign, finite."""
    if type(value) is str or type(value) is int:
        number = Decimal(value)
        if -MAX_AMOUNT < number < MAX_AMOUNT:
            return number
    raise ValueError("bad number")


def timestamp(value: object) -> int:
    if type(value) is int and 0 < value < MAX_TIMESTAMP_MS:
        return value
    raise ValueError("bad timestamp")


def kline_candle(
    symbol: str,
    timeframe_ms: int,
    start: object,
    o: object,
    h: object,
    lo: object,
    c: object,
    v: object,
) -> Candle:
    """A closed kline as a Candle; refused when its open or close lies outside its own range."""
    open_, high, low, close = price(o), price(h), price(lo), price(c)
    if not (low <= open_ <= high and low <= close <= high):
        raise ValueError("kline outside its own range")
    return Candle(symbol, timeframe_ms, timestamp(start), open_, high, low, close, amount(v))
