"""Venue-neutral market data for loopback venues: candles and funding-rate history.

Candles asked for inside the bundled window come straight from the bundled real data. Anything else
(a live bot asking for "the latest 100 one-minute candles") gets the bundled real path re-timed so it
ends with the current, still-open candle and scaled so its last close is the price table's price:
real shapes, current times, deterministic for a given clock."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tests.loopback import data
from tests.loopback.book import Book

INTERVAL_MS = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "6h": 21_600_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
}
FUNDING_INTERVAL_MS = 8 * 3_600_000

Row = tuple[int, str, str, str, str, str]


def candles(
    book: Book,
    symbol: str,
    interval: str,
    start_ms: int | None,
    end_ms: int | None,
    limit: int,
    now: Callable[[], int],
) -> list[Row]:
    """(open time, open, high, low, close, volume), oldest first."""
    step = INTERVAL_MS[interval]
    bundled = data.candles(symbol, interval)
    if bundled and start_ms is not None and bundled[0][0] <= start_ms <= bundled[-1][0]:
        rows = [r for r in bundled if r[0] >= start_ms and (end_ms is None or r[0] <= end_ms)]
        return rows[:limit]
    return _live(book, symbol, step, start_ms, end_ms, limit, now())


def _live(
    book: Book,
    symbol: str,
    step: int,
    start_ms: int | None,
    end_ms: int | None,
    limit: int,
    now_ms: int,
) -> list[Row]:
    last_open = now_ms - now_ms % step
    if end_ms is not None:
        last_open = min(last_open, end_ms - end_ms % step)
    if start_ms is not None:
        first = start_ms + (-start_ms) % step
        count = min(limit, max(0, (last_open - first) // step + 1))
    else:
        count = limit
        first = last_open - (count - 1) * step
    if count <= 0:
        return []
    path = data.candles(symbol, "1m" if step < 3_600_000 else "1h") or data.candles("BTCUSDT", "1m")
    tick = book.rules[symbol].tick
    scale = book.prices[symbol] / Decimal(path[-1][4])
    tail = [path[-count + i] if count <= len(path) else path[i % len(path)] for i in range(count)]

    def scaled(value: str) -> str:
        return str((Decimal(value) * scale).quantize(tick))

    return [
        (first + i * step, scaled(r[1]), scaled(r[2]), scaled(r[3]), scaled(r[4]), r[5])
        for i, r in enumerate(tail)
    ]


def funding_rates(
    book: Book, symbol: str, start_ms: int | None, end_ms: int | None, limit: int
) -> list[tuple[int, Decimal, Decimal | None]]:
    """(funding time, rate, mark price if known): the bundled real history, then every
    settlement the test triggered, oldest first."""
    rows: list[tuple[int, Decimal, Decimal | None]] = [
        (t, Decimal(rate), None) for t, rate in data.funding_history(symbol)
    ]
    with book.lock:
        rows += [(e.time_ms, e.rate, e.mark) for e in book.funding if e.symbol == symbol]
    rows.sort(key=lambda r: r[0])
    if start_ms is not None:
        rows = [r for r in rows if r[0] >= start_ms]
    if end_ms is not None:
        rows = [r for r in rows if r[0] <= end_ms]
    return rows[:limit] if start_ms is not None else rows[-limit:]


def last_funding_rate(book: Book, symbol: str) -> Decimal:
    rows = funding_rates(book, symbol, None, None, 1)
    return rows[-1][1] if rows else Decimal("0.0001")


def next_funding_time(now_ms: int) -> int:
    return now_ms - now_ms % FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS
