"""Binance USDⓈ-M user data stream at `/ws/<listenKey>`: only issued keys connect; the script pushes
ORDER_TRADE_UPDATE events and can expire a key (`listenKeyExpired`, then the key is refused)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import orjson

from wsloopback.server import LoopbackServer

START_MS = 1_700_000_000_000


def order_trade_update(
    *,
    event_ms: int,
    symbol: str = "BTCUSDT",
    client_id: str = "bot-1",
    order_id: int = 8886774,
    side: str = "BUY",
    order_type: str = "LIMIT",
    size: str = "0.010",
    price: str = "50000",
    execution: str = "TRADE",
    status: str = "PARTIALLY_FILLED",
    last_size: str = "0.004",
    last_price: str = "50000",
    filled: str = "0.004",
    trade_id: int = 1,
    fee: str = "0.08",
    maker: bool = True,
) -> str:
    return orjson.dumps(
        {
            "e": "ORDER_TRADE_UPDATE",
            "E": event_ms,
            "T": event_ms - 1,
            "o": {
                "s": symbol,
                "c": client_id,
                "S": side,
                "o": order_type,
                "f": "GTC",
                "q": size,
                "p": price,
                "ap": last_price if filled != "0" else "0",
                "sp": "0",
                "x": execution,
                "X": status,
                "i": order_id,
                "l": last_size,
                "z": filled,
                "L": last_price,
                "N": "USDT",
                "n": fee,
                "T": event_ms - 1,
                "t": trade_id,
                "b": "0",
                "a": "0",
                "m": maker,
                "R": False,
                "wt": "CONTRACT_PRICE",
                "ot": order_type,
                "ps": "BOTH",
                "cp": False,
                "rp": "0",
                "pP": False,
                "si": 0,
                "ss": 0,
                "V": "NONE",
                "pm": "NONE",
                "gtd": 0,
            },
        }
    ).decode()


def trade_update(trade: Any, order: Any) -> str:
    """The ORDER_TRADE_UPDATE Binance pushes for one execution of the loopback REST venue
    (tests/loopback: a `BookTrade` and its `BookOrder`), from the same records its REST answers
    (userTrades, order queries) come from, so the two paths can be compared field by field."""
    done = order.executed_qty >= order.qty
    return order_trade_update(
        event_ms=trade.time_ms + 1,  # E; the trade time T is E - 1
        symbol=trade.symbol,
        client_id=order.client_id,
        order_id=trade.order_id,
        side=trade.side,
        order_type=order.type,
        size=str(order.qty),
        price="0" if order.price is None else str(order.price),
        status="FILLED" if done else "PARTIALLY_FILLED",
        last_size=str(trade.qty),
        last_price=str(trade.price),
        filled=str(order.executed_qty),
        trade_id=trade.trade_id,
        fee=str(trade.fee),
        maker=trade.maker,
    )


class BinanceUserLoopback(LoopbackServer):
    """`issued_by`: accept the keys another venue issued (the loopback REST venue's POST
    /fapi/v1/listenKey), so a real broker can obtain the key this server takes."""

    def __init__(
        self, tick_s: float = 0.01, issued_by: Callable[[str], bool] | None = None
    ) -> None:
        super().__init__(tick_s)
        self.issued_by = issued_by
        self.keys: set[str] = set()
        self._key_ids = itertools.count(1)
        self.issued: list[str] = []
        self.keepalives: list[str] = []
        self.now_ms = START_MS

    # What the broker's REST calls would do (POST returns the active key, else a new one).
    async def obtain_listen_key(self) -> str:
        if self.keys:
            return next(iter(self.keys))
        key = f"loopbackListenKey{next(self._key_ids):04d}" + "x" * 40
        self.keys.add(key)
        self.issued.append(key)
        return key

    async def keepalive_listen_key(self, key: str) -> None:
        self.keepalives.append(key)

    def accept_path(self, path: str) -> bool:
        if not path.startswith("/ws/"):
            return False
        key = path[len("/ws/") :]
        return key in self.keys or (self.issued_by is not None and self.issued_by(key))

    async def push(self, frame: str) -> None:
        await self.inject(frame)

    async def expire(self) -> None:
        for key in list(self.keys):
            self.keys.discard(key)
            frame = orjson.dumps(
                {"e": "listenKeyExpired", "E": self.now_ms, "listenKey": key}
            ).decode()
            for conn in self.active:
                if conn.path == f"/ws/{key}":
                    await self.send(conn, frame)

    async def tick(self) -> None:
        self.now_ms += 1_000
