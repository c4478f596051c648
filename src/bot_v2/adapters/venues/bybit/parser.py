"""Bybit v5 public linear stream -> Mark and closed Candle.

- `tickers.<SYM>`: a snapshot first, then deltas that carry only changed fields. The parser keeps
  the mark price per symbol for its connection: a delta without `markPrice` still confirms the last
  one (a fresh Mark at the delta's `ts`); a delta before any snapshot is dropped. `ts` must grow
  (equal: duplicate, lower: out of order).
- `kline.<interval>.<SYM>`: `data` is a list; only `confirm == true` entries become Candles, each
  open time once, in order, holes counted as gaps.
- `op` answers (subscribe acks, pongs to our app-level pings) are control frames, not data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import orjson

from bot_v2.adapters.streams.numbers import kline_candle, price, timestamp
from bot_v2.adapters.streams.parsing import ParserBase, venue_symbols
from bot_v2.domain.market import Candle, Mark
from bot_v2.features.streaming.counters import StreamCounters
from bot_v2.features.streaming.output import StreamOutput
from bot_v2.features.streaming.ratelimited_log import RateLimitedLog
from bot_v2.features.streaming.sequencing import ClosedCandleTracker, SequenceTracker

_loads = orjson.loads


class BybitSequences:
    """Ordering state that must outlive a connection (rotation overlap, reconnects)."""

    def __init__(self, counters: StreamCounters) -> None:
        self.tickers = SequenceTracker(counters)
        self.candles = ClosedCandleTracker(counters)


def topics(symbols: Sequence[str], interval: str) -> list[str]:
    wires = venue_symbols(symbols)
    return [f"tickers.{wire}" for wire in wires] + [f"kline.{interval}.{wire}" for wire in wires]


class BybitPublicParser(ParserBase):
    """One per connection (the ticker snapshot belongs to it); sequences shared per service."""

    def __init__(
        self,
        symbols: Sequence[str],
        timeframe_ms: int,
        interval: str,
        output: StreamOutput,
        log: RateLimitedLog,
        sequences: BybitSequences,
    ) -> None:
        super().__init__("bybit", output, log)
        self._timeframe_ms = timeframe_ms
        self._append = output.market.append
        self._latest = output.latest_marks
        self._seq = sequences
        self.mark_state: dict[str, Decimal] = {}
        self._routes: dict[str, tuple[Callable[[str, Any], None], str]] = {}
        for wire, symbol in venue_symbols(symbols).items():
            self._routes[f"tickers.{wire}"] = (self._on_ticker, symbol)
            self._routes[f"kline.{interval}.{wire}"] = (self._on_kline, symbol)
        self.pongs = 0

    def feed(self, frame: bytes) -> bool:
        counters = self.counters
        counters.messages += 1
        try:
            message = _loads(frame)
            topic = message.get("topic")
            if topic is None:
                self._on_control(message)
                return True
            route = self._routes.get(topic)
            if route is None:
                self.drop("unsubscribed topic")
                return True
            handler, symbol = route
            handler(symbol, message)
        except Exception:
            self.reject(frame)
            return True
        counters.data_messages += 1
        return True

    def _on_control(self, message: Any) -> None:
        op = message["op"]
        if op in ("ping", "pong"):
            self.pongs += 1
        elif message.get("success") is False:
            self.counters.dropped += 1
            self._log.warning(
                "bybit:op", "bybit: %s refused: %s", op, str(message.get("ret_msg"))[:200]
            )

    def _on_ticker(self, symbol: str, message: Any) -> None:
        kind = message["type"]
        data = message["data"]
        event_ms = timestamp(message["ts"])
        wire_price = data.get("markPrice")
        if kind == "snapshot":
            mark_price = price(wire_price)
        elif kind == "delta":
            if wire_price is not None:
                mark_price = price(wire_price)
            else:
                known = self.mark_state.get(symbol)
                if known is None:
                    self.drop("ticker delta before its snapshot")
                    return
                mark_price = known
        else:
            raise ValueError("ticker type is neither snapshot nor delta")
        self.mark_state[symbol] = mark_price
        if self._seq.tickers.accept(symbol, event_ms):
            mark = Mark(symbol, mark_price, event_ms)
            self._append(mark)
            self._latest[symbol] = mark
            self.counters.events += 1

    def _on_kline(self, symbol: str, message: Any) -> None:
        closed: list[Candle] = []
        for kline in message["data"]:
            confirm = kline["confirm"]
            if confirm is True:
                closed.append(_candle(symbol, self._timeframe_ms, kline))
            elif confirm is not False:
                raise ValueError("kline confirm is not a boolean")
        counters = self.counters
        for candle in closed:
            gaps = counters.gaps
            if self._seq.candles.accept(candle):
                self._append(candle)
                counters.events += 1
                if counters.gaps != gaps:
                    self._log.warning(
                        "bybit:gap", "bybit: candle gap %s", self._seq.candles.last_gap
                    )


def _candle(symbol: str, timeframe_ms: int, kline: Any) -> Candle:
    k = kline
    return kline_candle(
        symbol, timeframe_ms, k["start"], k["open"], k["high"], k["low"], k["close"], k["volume"]
    )
