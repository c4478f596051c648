"""Binance USDⓈ-M combined public streams: `/stream?streams=a/b/c`, frames `{"stream", "data"}`.

One market state for all connections (like the venue), so two overlapping connections carry the
same messages with the same update ids. Every tick, per symbol: a bookTicker (update id `u` grows),
a markPriceUpdate (event time grows by 1 s of market time) and a running kline; every
`candle_every` ticks the kline closes (`x: true`) and the next one opens."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import orjson

from wsloopback.server import Conn, LoopbackServer

START_MS = 1_700_000_040_000 - 1_700_000_040_000 % 60_000
STEP_MS = 1_000
MINUTE_MS = 60_000


def wire(symbol: str) -> str:
    """BTC/USDT:USDT -> BTCUSDT."""
    base, rest = symbol.split("/", 1)
    return base + rest.split(":", 1)[0]


def book_ticker(sym: str, update_id: int, event_ms: int, bid: Decimal, ask: Decimal) -> dict:
    return {
        "e": "bookTicker",
        "u": update_id,
        "s": sym,
        "b": str(bid),
        "B": "3.500",
        "a": str(ask),
        "A": "1.250",
        "T": event_ms - 2,
        "E": event_ms,
    }


def mark_price(sym: str, event_ms: int, price: Decimal) -> dict:
    return {
        "e": "markPriceUpdate",
        "E": event_ms,
        "s": sym,
        "p": str(price),
        "i": str(price + 1),
        "P": str(price + 2),
        "r": "0.00010000",
        "T": event_ms - event_ms % 28_800_000 + 28_800_000,
    }


def kline(sym: str, event_ms: int, open_ms: int, prices: Sequence[Decimal], closed: bool) -> dict:
    open_, high, low, close = prices
    return {
        "e": "kline",
        "E": event_ms,
        "s": sym,
        "k": {
            "t": open_ms,
            "T": open_ms + MINUTE_MS - 1,
            "s": sym,
            "i": "1m",
            "f": 100,
            "L": 200,
            "o": str(open_),
            "c": str(close),
            "h": str(high),
            "l": str(low),
            "v": "12.345",
            "n": 100,
            "x": closed,
            "q": "123456.7",
            "V": "6.1",
            "Q": "61234.5",
            "B": "0",
        },
    }


def combined(stream: str, data: dict) -> str:
    return orjson.dumps({"stream": stream, "data": data}).decode()


class BinanceLoopback(LoopbackServer):
    def __init__(
        self, symbols: Sequence[str] = ("BTCUSDT",), candle_every: int = 10, tick_s: float = 0.005
    ) -> None:
        super().__init__(tick_s)
        self.symbols = list(symbols)
        self.candle_every = candle_every
        self.now_ms = START_MS
        self.update_id = {sym: 1_000 for sym in self.symbols}
        self.price = {sym: Decimal("50000.0") + 1000 * i for i, sym in enumerate(self.symbols)}
        self.candle_open_ms = START_MS
        self.closed_candles: list[int] = []
        self.last_book: dict[str, str] = {}

    def accept_path(self, path: str) -> bool:
        return path.startswith("/stream?streams=")

    async def on_open(self, conn: Conn) -> None:
        query = parse_qs(urlsplit(conn.path).query)
        conn.topics = set(query.get("streams", [""])[0].split("/"))

    async def tick(self) -> None:
        self.now_ms += STEP_MS
        close_candle = self.ticks % self.candle_every == 0
        for sym in self.symbols:
            low = sym.lower()
            self.update_id[sym] += 3
            self.price[sym] += Decimal("0.5")
            price = self.price[sym]
            book = combined(
                f"{low}@bookTicker",
                book_ticker(sym, self.update_id[sym], self.now_ms, price - 1, price + 1),
            )
            self.last_book[sym] = book
            await self._publish(f"{low}@bookTicker", book)
            await self._publish(
                f"{low}@markPrice@1s",
                combined(f"{low}@markPrice@1s", mark_price(sym, self.now_ms, price)),
            )
            prices = (price - 5, price + 10, price - 10, price)
            await self._publish(
                f"{low}@kline_1m",
                combined(
                    f"{low}@kline_1m",
                    kline(sym, self.now_ms, self.candle_open_ms, prices, close_candle),
                ),
            )
        if close_candle:
            self.closed_candles.append(self.candle_open_ms)
            self.candle_open_ms += MINUTE_MS

    async def _publish(self, stream: str, frame: str) -> None:
        for conn in self.active:
            if stream in conn.topics:
                await self.send(conn, frame)

    def stale_book_ticker(self, sym: str = "BTCUSDT") -> str:
        """A bookTicker whose update id is older than the last one sent."""
        price = self.price[sym]
        return combined(
            f"{sym.lower()}@bookTicker",
            book_ticker(sym, self.update_id[sym] - 2, self.now_ms, price - 1, price + 1),
        )
