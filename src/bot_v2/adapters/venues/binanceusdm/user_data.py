"""Binance USDⓈ-M user data stream (orders and fills) behind a listen key.

The REST calls for the key (POST /fapi/v1/listenKey, keepalive PUT every 30 min) belong to the broker
adapter; this transport only takes them as async callables, so it imports no broker code. Each
connect obtains a key (POST returns the active key and extends it), so a reconnect after
`listenKeyExpired` gets a fresh one. The key is a secret: it never appears in logs or errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from websockets.asyncio.client import ClientConnection

from bot_v2.adapters.streams.ws import WsOptions, WsSession, open_ws
from bot_v2.adapters.venues.binanceusdm.public import BINANCE_PUBLIC_URL, BINANCE_ROTATE_AFTER_S
from bot_v2.adapters.venues.binanceusdm.user_parser import BinanceUserDataParser
from bot_v2.features.streaming.errors import StreamClosed, describe
from bot_v2.features.streaming.output import StreamOutput
from bot_v2.features.streaming.ratelimited_log import RateLimitedLog

ObtainListenKey = Callable[[], Awaitable[str]]
KeepaliveListenKey = Callable[[str], Awaitable[None]]

LISTEN_KEY_KEEPALIVE_S = 30 * 60.0


class BinanceUserDataTransport:
    def __init__(
        self,
        obtain_listen_key: ObtainListenKey,
        keepalive_listen_key: KeepaliveListenKey | None = None,
        *,
        base_url: str = BINANCE_PUBLIC_URL,
        keepalive_s: float = LISTEN_KEY_KEEPALIVE_S,
        rotate_after_s: float | None = BINANCE_ROTATE_AFTER_S,
        options: WsOptions | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self._obtain = obtain_listen_key
        self._keepalive = keepalive_listen_key
        self._base_url = base_url.rstrip("/")
        self._keepalive_s = keepalive_s
        self._rotate_after_s = rotate_after_s
        self._options = options if options is not None else WsOptions()
        self._logger = logger if logger is not None else logging.getLogger("bot_v2.streaming")
        self._log = RateLimitedLog(self._logger)
        self._parser: BinanceUserDataParser | None = None
        self._output_id: int | None = None

    @property
    def name(self) -> str:
        return "binanceusdm-user"

    @property
    def rotate_after_s(self) -> float | None:
        return self._rotate_after_s

    def parser(self, output: StreamOutput) -> BinanceUserDataParser:
        if self._parser is None or self._output_id != id(output):
            self._parser = BinanceUserDataParser(output, self._log)
            self._output_id = id(output)
        return self._parser

    async def open(self, symbols: Sequence[str], output: StreamOutput) -> WsSession:
        try:
            key = await self._obtain()
        except Exception as exc:
            raise StreamClosed(f"cannot obtain a listen key: {type(exc).__name__}") from None
        if not isinstance(key, str) or not key:
            raise StreamClosed("cannot obtain a listen key: empty answer")
        ws = await open_ws(f"{self._base_url}/ws/{key}", self._options, secret=key)
        parser = self.parser(output)
        return WsSession(ws, parser.feed, helpers=(self._keepalive_loop(key),), logger=self._logger)

    def _keepalive_loop(self, key: str) -> Callable[[ClientConnection], Awaitable[None]]:
        async def loop(_ws: ClientConnection) -> None:
            while True:
                await asyncio.sleep(self._keepalive_s)
                try:
                    if self._keepalive is not None:
                        await self._keepalive(key)
                    else:
                        await self._obtain()  # a POST on an active key extends it as well
                except Exception as exc:
                    # The stream keeps running; if the key lapses, listenKeyExpired ends it.
                    self._log.warning(
                        "user:keepalive",
                        "binanceusdm-user: listen key keepalive failed: %s",
                        describe(exc).replace(key, "***"),
                    )

        return loop
