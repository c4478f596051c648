"""Bybit v5 public linear: `{"op":"subscribe","args":[...]}` in, ack out; `{"op":"ping"}` answered
with a pong; `tickers.<SYM>` as one snapshot per subscription then deltas (every third one without
`markPrice`, as when only other fields changed); `kline.1.<SYM>` with `confirm` true every
`candle_every` ticks."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import orjson

from wsloopback.server import Conn, LoopbackServer

START_MS = 1_700_000_040_000 - 1_700_000_040_000 % 60_000
STEP_MS = 1_000
MINUTE_MS = 60_000


def ticker_frame(sym: str, kind: str, data: dict, ts: int, cs: int) -> str:
    return orjson.dumps(
        {"topic": f"tickers.{sym}", "type": kind, "data": data, "cs": cs, "ts": ts}
    ).decode()


def kline_frame(sym: str, ts: int, open_ms: int, price: Decimal, confirm: bool) -> str:
    item = {
        "start": open_ms,
        "end": open_ms + MINUTE_MS - 1,
        "interval": "1",
        "open": str(price - 5),
        "close": str(price),
        "high": str(price + 10),
        "low": str(price - 10),
        "volume": "2.081",
        "turnover": "34666.4005",
        "confirm": confirm,
        "timestamp": ts,
    }
    return orjson.dumps(
        {"topic": f"kline.1.{sym}", "data": [item], "ts": ts, "type": "snapshot"}
    ).decode()


class BybitLoopback(LoopbackServer):
    def __init__(
        self, symbols: Sequence[str] = ("BTCUSDT",), candle_every: int = 10, tick_s: float = 0.005
    ) -> None:
        super().__init__(tick_s)
        self.symbols = list(symbols)
        self.candle_every = candle_every
        self.now_ms = START_MS
        self.cs = 10_000
        self.price = {sym: Decimal("50000.00") + 1000 * i for i, sym in enumerate(self.symbols)}
        self.candle_open_ms = START_MS
        self.closed_candles: list[int] = []
        self.pings = 0
        self.subscribe_requests: list[list[str]] = []

    def snapshot(self, sym: str) -> dict:
        price = self.price[sym]
        return {
            "symbol": sym,
            "tickDirection": "PlusTick",
            "lastPrice": str(price),
            "markPrice": str(price),
            "indexPrice": str(price + 1),
            "bid1Price": str(price - 1),
            "ask1Price": str(price + 1),
            "fundingRate": "0.0001",
        }

    async def on_message(self, conn: Conn, message: str | bytes) -> None:
        if conn.silenced:
            return
        request = orjson.loads(message)
        op = request.get("op")
        if op == "ping":
            self.pings += 1
            reply = {"success": True, "ret_msg": "pong", "conn_id": str(conn.ident), "op": "ping"}
            await self.send(conn, orjson.dumps(reply).decode())
        elif op == "subscribe":
            args = list(request.get("args", []))
            self.subscribe_requests.append(args)
            ack = {"success": True, "ret_msg": "", "conn_id": str(conn.ident), "op": "subscribe"}
            await self.send(conn, orjson.dumps(ack).decode())
            for topic in args:
                if topic.startswith("tickers."):
                    sym = topic.split(".", 1)[1]
                    frame = ticker_frame(sym, "snapshot", self.snapshot(sym), self.now_ms, self.cs)
                    await self.send(conn, frame)
            conn.topics.update(args)

    async def tick(self) -> None:
        self.now_ms += STEP_MS
        self.cs += 7
        close_candle = self.ticks % self.candle_every == 0
        for sym in self.symbols:
            self.price[sym] += Decimal("0.5")
            price = self.price[sym]
            data: dict = {"symbol": sym, "bid1Price": str(price - 1), "ask1Price": str(price + 1)}
            if self.ticks % 3:
                data["markPrice"] = str(price)
            await self._publish(
                f"tickers.{sym}", ticker_frame(sym, "delta", data, self.now_ms, self.cs)
            )
            await self._publish(
                f"kline.1.{sym}",
                kline_frame(sym, self.now_ms, self.candle_open_ms, price, close_candle),
            )
        if close_candle:
            self.closed_candles.append(self.candle_open_ms)
            self.candle_open_ms += MINUTE_MS

    async def _publish(self, topic: str, frame: str) -> None:
        for conn in self.active:
            if topic in conn.topics:
                await self.send(conn, frame)
