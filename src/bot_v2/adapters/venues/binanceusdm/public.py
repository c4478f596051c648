"""Binance USDⓈ-M public market data over one combined-stream connection.

Subscription is by URL (`/stream?streams=btcusdt@bookTicker/btcusdt@markPrice@1s/btcusdt@kline_1m`),
so every reconnect resubscribes by itself. Binance cuts each connection at 24 h: the service rotates
after `rotate_after_s` (23 h by default), opening the new connection before closing the old."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot_v2.adapters.streams.timeframes import binance_interval, timeframe_ms
from bot_v2.adapters.streams.ws import WsOptions, WsSession, open_ws
from bot_v2.adapters.venues.binanceusdm.parser import BinancePublicParser
from bot_v2.domain.symbols import venue_id
from bot_v2.features.streaming.output import StreamOutput
from bot_v2.features.streaming.ratelimited_log import RateLimitedLog

BINANCE_PUBLIC_URL = "wss://fstream.binance.com"
BINANCE_ROTATE_AFTER_S = 23 * 3600.0
CHANNELS = ("bookTicker", "markPrice", "kline")


class BinancePublicTransport:
    def __init__(
        self,
        *,
        timeframe: str = "1m",
        base_url: str = BINANCE_PUBLIC_URL,
        channels: Sequence[str] = CHANNELS,
        rotate_after_s: float | None = BINANCE_ROTATE_AFTER_S,
        options: WsOptions | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        unknown = set(channels) - set(CHANNELS)
        if unknown or not channels:
            raise ValueError(f"binanceusdm channels must be some of {CHANNELS}, got {channels}")
        self._interval = binance_interval(timeframe)
        self._timeframe_ms = timeframe_ms(timeframe)
        self._base_url = base_url.rstrip("/")
        self._channels = tuple(channels)
        self._rotate_after_s = rotate_after_s
        self._options = options if options is not None else WsOptions()
        self._logger = logger if logger is not None else logging.getLogger("bot_v2.streaming")
        self._log = RateLimitedLog(self._logger)
        self._parser: BinancePublicParser | None = None
        self._parser_key: tuple[tuple[str, ...], int] | None = None

    @property
    def name(self) -> str:
        return "binanceusdm"

    @property
    def rotate_after_s(self) -> float | None:
        return self._rotate_after_s

    def stream_names(self, symbols: Sequence[str]) -> list[str]:
        names: list[str] = []
        for symbol in symbols:
            wire = venue_id(symbol).lower()
            if "bookTicker" in self._channels:
                names.append(f"{wire}@bookTicker")
            if "markPrice" in self._channels:
                names.append(f"{wire}@markPrice@1s")
            if "kline" in self._channels:
                names.append(f"{wire}@kline_{self._interval}")
        return names

    def url(self, symbols: Sequence[str]) -> str:
        return f"{self._base_url}/stream?streams={'/'.join(self.stream_names(symbols))}"

    def parser(self, symbols: Sequence[str], output: StreamOutput) -> BinancePublicParser:
        """The same parser for every session of one output, so sequence checks span connections."""
        key = (tuple(symbols), id(output))
        if self._parser is None or self._parser_key != key:
            self._parser = BinancePublicParser(
                symbols, self._timeframe_ms, self._interval, output, self._log
            )
            self._parser_key = key
        return self._parser

    async def open(self, symbols: Sequence[str], output: StreamOutput) -> WsSession:
        parser = self.parser(symbols, output)
        ws = await open_ws(self.url(symbols), self._options)
        return WsSession(ws, parser.feed, logger=self._logger)
