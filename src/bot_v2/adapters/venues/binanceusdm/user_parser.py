"""Binance USDⓈ-M user data stream -> Order updates and Fills.

ORDER_TRADE_UPDATE carries the order's state (`X`) and, for executions (`x` TRADE, or CALCULATED for
a liquidation), the fill of that execution (`l` at `L`, trade id `t`). `listenKeyExpired` ends the
session: the service reconnects with a fresh key and asks the runtime to resync. Frames are never
logged: they carry account data and the listen key."""

from __future__ import annotations

from typing import Any

import orjson

from bot_v2.adapters.streams.numbers import amount, price, signed, timestamp
from bot_v2.adapters.streams.parsing import ParserBase
from bot_v2.domain.fills import Fill
from bot_v2.domain.orders import Order, OrderStatus, OrderType, Side
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.features.streaming.output import StreamOutput
from bot_v2.features.streaming.ratelimited_log import RateLimitedLog
from bot_v2.features.streaming.sequencing import RecentKeys

_SIDES = {"BUY": Side.BUY, "SELL": Side.SELL}
_STATUSES = {
    "NEW": OrderStatus.NEW,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
    "EXPIRED_IN_MATCH": OrderStatus.EXPIRED,
    "NEW_INSOLVENCY": OrderStatus.NEW,
    "NEW_ADL": OrderStatus.NEW,
}
# Client ids Binance gives the orders it places itself: liquidations and auto-deleveraging.
_LIQUIDATION_PREFIXES = ("autoclose-", "adl_autoclose")
_EXECUTIONS = frozenset({"TRADE", "CALCULATED"})
# Known events this bot does not use (balances and positions come from reconciliation).
_IGNORED = frozenset(
    {
        "ACCOUNT_UPDATE",
        "ACCOUNT_CONFIG_UPDATE",
        "MARGIN_CALL",
        "TRADE_LITE",
        "STRATEGY_UPDATE",
        "GRID_UPDATE",
        "CONDITIONAL_ORDER_TRIGGER_REJECT",
    }
)
_loads = orjson.loads


class BinanceUserDataParser(ParserBase):
    def __init__(self, output: StreamOutput, log: RateLimitedLog) -> None:
        super().__init__("binanceusdm-user", output, log, log_payloads=False)
        self._append = output.account.append
        # Two overlapping connections (rotation) deliver the same updates; each passes once.
        self.seen = RecentKeys()
        self._symbols: dict[str, str] = {}

    def feed(self, frame: bytes) -> bool:
        counters = self.counters
        counters.messages += 1
        try:
            message = _loads(frame)
            event = message["e"]
            if event == "ORDER_TRADE_UPDATE":
                self._on_order_update(message["o"])
            elif event == "listenKeyExpired":
                counters.data_messages += 1
                self._log.warning("user:expired", "binanceusdm-user: listen key expired")
                return False
            elif event not in _IGNORED:
                self.drop("unknown user data event")
                return True
        except Exception:
            self.reject(frame)
            return True
        counters.data_messages += 1
        return True

    def _symbol(self, wire: Any) -> str:
        symbol = self._symbols.get(wire)
        if symbol is None:
            if type(wire) is not str:
                raise ValueError("symbol is not a string")
            symbol = normalize_symbol(wire)
            self._symbols[wire] = symbol
        return symbol

    def _on_order_update(self, o: Any) -> None:
        execution = o["x"]
        trade_id = o["t"]
        key = (o["i"], execution, o["X"], o["z"], trade_id, o["T"])
        order = _order(self._symbol(o["s"]), o)
        fill = None
        if execution in _EXECUTIONS:
            fill = _fill(order, o)
        if not self.seen.first_time(key):
            self.counters.duplicates += 1
            return
        self._append(order)
        self.counters.events += 1
        if fill is not None:
            self._append(fill)
            self.counters.events += 1


def _order(symbol: str, o: Any) -> Order:
    kind = o["o"]
    if type(kind) is not str:
        raise ValueError("order type is not a string")
    limit_price = amount(o["p"])
    average = amount(o["ap"])
    return Order(
        client_order_id=_text(o["c"]),
        exchange_order_id=str(_integer(o["i"])),
        symbol=symbol,
        side=_SIDES[o["S"]],
        # The domain knows market and limit: stop-market and friends execute as market orders.
        type=OrderType.MARKET if "MARKET" in kind else OrderType.LIMIT,
        size=amount(o["q"]),
        filled=amount(o["z"]),
        status=_STATUSES[o["X"]],
        price=limit_price if limit_price > 0 else None,
        average_price=average if average > 0 else None,
        reduce_only=o["R"] is True,
        timestamp_ms=timestamp(o["T"]),
    )


def _fill(order: Order, o: Any) -> Fill | None:
    size = amount(o["l"])
    if size <= 0:
        return None
    client_id = order.client_order_id
    return Fill(
        fill_id=str(_integer(o["t"])),
        client_order_id=client_id,
        exchange_order_id=order.exchange_order_id,
        symbol=order.symbol,
        side=order.side,
        size=size,
        price=price(o["L"]),
        # In the commission asset `N` (USDT unless paying fees in BNB).
        fee=signed(o["n"]),
        timestamp_ms=order.timestamp_ms,
        is_maker=o["m"] is True,
        # The same tests as the REST path (ccxt venue profile), plus what only the stream says.
        liquidation=o["x"] == "CALCULATED"
        or client_id.startswith(_LIQUIDATION_PREFIXES)
        or o["o"] == "LIQUIDATION",
    )


def _text(value: Any) -> str:
    if type(value) is not str:
        raise ValueError("not a string")
    return value


def _integer(value: Any) -> int:
    if type(value) is not int:
        raise ValueError("not an integer")
    return value
