"""Bybit v5 public linear market data: subscribe by message after each connect, app-level ping
(`{"op":"ping"}`) every `ping_interval_s` (Bybit drops connections silent for more than a few
minutes; 20 s is its recommendation)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

import orjson
from websockets.asyncio.client import ClientConnection

from bot_v2.adapters.streams.timeframes import bybit_interval, timeframe_ms
from bot_v2.adapters.streams.ws import WsOptions, WsSession, open_ws
from bot_v2.adapters.venues.bybit.parser import BybitPublicParser, BybitSequences, topics
from bot_v2.features.streaming.errors import StreamClosed
from bot_v2.features.streaming.output import StreamOutput
from bot_v2.features.streaming.ratelimited_log import RateLimitedLog

BYBIT_PUBLIC_LINEAR_URL = "wss://stream.bybit.com/v5/public/linear"
BYBIT_PING_INTERVAL_S = 20.0
# Topics per subscribe request: Bybit caps the args of one request (10 on spot); stay within it.
_TOPICS_PER_REQUEST = 10
_PING = orjson.dumps({"op": "ping"}).decode()


class BybitPublicTransport:
    def __init__(
        self,
        *,
        timeframe: str = "1m",
        url: str = BYBIT_PUBLIC_LINEAR_URL,
        ping_interval_s: float = BYBIT_PING_INTERVAL_S,
        rotate_after_s: float | None = None,
        options: WsOptions | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self._interval = bybit_interval(timeframe)
        self._timeframe_ms = timeframe_ms(timeframe)
        self._url = url
        self._ping_interval_s = ping_interval_s
        self._rotate_after_s = rotate_after_s
        self._options = options if options is not None else WsOptions()
        self._logger = logger if logger is not None else logging.getLogger("bot_v2.streaming")
        self._log = RateLimitedLog(self._logger)
        self._sequences: BybitSequences | None = None
        self._output_id: int | None = None

    @property
    def name(self) -> str:
        return "bybit"

    @property
    def rotate_after_s(self) -> float | None:
        return self._rotate_after_s

    def topics(self, symbols: Sequence[str]) -> list[str]:
        return topics(symbols, self._interval)

    def parser(self, symbols: Sequence[str], output: StreamOutput) -> BybitPublicParser:
        if self._sequences is None or self._output_id != id(output):
            self._sequences = BybitSequences(output.counters)
            self._output_id = id(output)
        return BybitPublicParser(
            symbols, self._timeframe_ms, self._interval, output, self._log, self._sequences
        )

    async def open(self, symbols: Sequence[str], output: StreamOutput) -> WsSession:
        parser = self.parser(symbols, output)
        ws = await open_ws(self._url, self._options)
        wanted = self.topics(symbols)
        try:
            for start in range(0, len(wanted), _TOPICS_PER_REQUEST):
                request = {"op": "subscribe", "args": wanted[start : start + _TOPICS_PER_REQUEST]}
                await ws.send(orjson.dumps(request).decode())
        except Exception as exc:
            await ws.close()
            raise StreamClosed(f"bybit: subscribe failed: {type(exc).__name__}") from None
        return WsSession(ws, parser.feed, helpers=(self._pinger(),), logger=self._logger)

    def _pinger(self) -> Callable[[ClientConnection], Awaitable[None]]:
        async def loop(ws: ClientConnection) -> None:
            while True:
                await asyncio.sleep(self._ping_interval_s)
                await ws.send(_PING)

        return loop
