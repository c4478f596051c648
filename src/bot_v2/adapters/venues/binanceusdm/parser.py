"""Binance USDⓈ-M combined public streams -> Mark and closed Candle.

Frames look like `{"stream": "btcusdt@bookTicker", "data": {"e": "bookTicker", ...}}`. Routing uses
the event type `e` and the symbol `s` inside `data`; the stream name is not parsed on the hot path.

- bookTicker: a Mark at the mid; `u` (order book update id) must grow, else duplicate/out of order.
- markPriceUpdate: a Mark at the mark price `p`; event time `E` must grow; a jump of more than
  MARK_GAP_MS counts as a gap (the stream is @1s).
- kline: only closed klines (`k.x == true`) become Candles; each open time once, in order, holes
  counted as gaps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import orjson

from bot_v2.adapters.streams.numbers import (
    MAX_PRICE,
    MAX_TIMESTAMP_MS,
    MIN_PRICE,
    kline_candle,
    price,
    timestamp,
)
from bot_v2.adapters.streams.parsing import ParserBase, venue_symbols
from bot_v2.domain.market import Candle, Mark
from bot_v2.features.streaming.output import StreamOutput
from bot_v2.features.streaming.ratelimited_log import RateLimitedLog
from bot_v2.features.streaming.sequencing import ClosedCandleTracker, SequenceTracker

HALF = Decimal("0.5")
MARK_GAP_MS = 3_000
_loads = orjson.loads


class BinancePublicParser(ParserBase):
    """One per service: its sequence state spans reconnects and rotations, which is what lets it
    drop the messages two overlapping connections both deliver."""

    def __init__(
        self,
        symbols: Sequence[str],
        timeframe_ms: int,
        interval: str,
        output: StreamOutput,
        log: RateLimitedLog,
    ) -> None:
        super().__init__("binanceusdm", output, log)
        self._by_venue = venue_symbols(symbols)
        self._timeframe_ms = timeframe_ms
        self._interval = interval
        counters = self.counters
        self._append = output.market.append
        self._latest = output.latest_marks
        self.book_seq = SequenceTracker(counters)
        self.mark_seq = SequenceTracker(counters, max_step=MARK_GAP_MS)
        self.candles = ClosedCandleTracker(counters)
        self._handlers: dict[str, Callable[[Any], None]] = {
            "bookTicker": self._on_book_ticker,
            "markPriceUpdate": self._on_mark_price,
            "kline": self._on_kline,
        }

    def feed(self, frame: bytes) -> bool:
        """Never raises: a bad frame is counted (malformed or dropped) and logged, rate-limited."""
        counters = self.counters
        counters.messages += 1
        message = None
        try:
            message = _loads(frame)
            data = message["data"]
            handler = self._handlers.get(data["e"])
        except Exception:
            if type(message) is dict and "result" in message:
                return True  # the answer to a SUBSCRIBE request: control, not data
            self.reject(frame)
            return True
        if handler is None:
            self.drop("unknown event type")
            return True
        try:
            handler(data)
        except Exception:
            self.reject(frame)
            return True
        counters.data_messages += 1
        return True

    def _symbol(self, data: Any) -> str | None:
        symbol = self._by_venue.get(data["s"])
        if symbol is None:
            self.drop("unsubscribed symbol")
        return symbol

    def _emit_mark(self, mark: Mark) -> None:
        self._append(mark)
        self._latest[mark.symbol] = mark
        self.counters.events += 1

    def _on_book_ticker(self, data: Any) -> None:
        # ~90% of the traffic: the checks of numbers.py are inlined here, and the mid is only
        # computed for an update that passes the sequence check.
        symbol = self._by_venue.get(data["s"])
        if symbol is None:
            self.drop("unsubscribed symbol")
            return
        update_id, event_ms, bid_text, ask_text = data["u"], data["E"], data["b"], data["a"]
        if (
            type(update_id) is not int
            or update_id < 0
            or type(event_ms) is not int
            or not 0 < event_ms < MAX_TIMESTAMP_MS
            or type(bid_text) is not str
            or type(ask_text) is not str
        ):
            raise ValueError("bookTicker field of the wrong type")
        bid, ask = Decimal(bid_text), Decimal(ask_text)
        if not (MIN_PRICE <= bid < MAX_PRICE and MIN_PRICE <= ask < MAX_PRICE):
            raise ValueError("bookTicker price out of range")
        if self.book_seq.accept(symbol, update_id):
            mark = Mark(symbol, (bid + ask) * HALF, event_ms)
            self._append(mark)
            self._latest[symbol] = mark
            self.counters.events += 1

    def _on_mark_price(self, data: Any) -> None:
        symbol = self._symbol(data)
        if symbol is None:
            return
        event_ms = timestamp(data["E"])
        mark_price = price(data["p"])
        if self.mark_seq.accept(symbol, event_ms):
            self._emit_mark(Mark(symbol, mark_price, event_ms))

    def _on_kline(self, data: Any) -> None:
        symbol = self._symbol(data)
        if symbol is None:
            return
        kline = data["k"]
        closed = kline["x"]
        if closed is False:
            return  # a running candle: alive, but not a candle yet
        if closed is not True:
            raise ValueError("kline x is not a boolean")
        if kline["i"] != self._interval:
            self.drop("kline of another interval")
            return
        candle = _candle(symbol, self._timeframe_ms, kline)
        gaps = self.counters.gaps
        if self.candles.accept(candle):
            self._append(candle)
            self.counters.events += 1
            if self.counters.gaps != gaps:
                self._log.warning(
                    "binanceusdm:gap", "binanceusdm: candle gap %s", self.candles.last_gap
                )


def _candle(symbol: str, timeframe_ms: int, kline: Any) -> Candle:
    k = kline
    return kline_candle(symbol, timeframe_ms, k["t"], k["o"], k["h"], k["l"], k["c"], k["v"])
