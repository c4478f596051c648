"""The websocket part every venue shares: open a client connection, read frames into a parser, run
helper loops (app-level pings, listen-key keepalive) beside it. Library errors become StreamClosed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

import attrs
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bot_v2.features.streaming.errors import StreamClosed, describe

# A parser consumes one frame; False ends the session (for example: the listen key expired).
Feed = Callable[[bytes], bool]
Helper = Callable[[ClientConnection], Awaitable[None]]


@attrs.frozen
class WsOptions:
    open_timeout_s: float = 10.0
    # Protocol pings by the client; they catch a dead TCP peer. Servers' pings are answered anyway.
    ping_interval_s: float | None = 20.0
    ping_timeout_s: float | None = 20.0
    close_timeout_s: float = 2.0
    # Frames buffered before reading pauses and TCP pushes back on the venue.
    max_queue: int | None = 1024
    max_size: int | None = 2**22
    # True: take a proxy from the environment (websockets' default); None/False: connect directly.
    proxy: str | bool | None = True


async def open_ws(url: str, options: WsOptions, *, secret: str = "") -> ClientConnection:
    """Raises StreamClosed with a one-line reason. `secret` (a listen key in the URL) never appears."""
    proxy: str | Literal[True] | None = None if options.proxy is False else options.proxy
    extra: dict[str, Any] = {"logger": _NoDebugLogger(_WS_CLIENT_LOGGER, {})} if secret else {}
    try:
        return await connect(
            url,
            **extra,
            compression=None,
            proxy=proxy,
            open_timeout=options.open_timeout_s,
            ping_interval=options.ping_interval_s,
            ping_timeout=options.ping_timeout_s,
            close_timeout=options.close_timeout_s,
            max_queue=options.max_queue,
            max_size=options.max_size,
        )
    except Exception as exc:
        raise StreamClosed(redact(describe(exc), secret)) from None


_WS_CLIENT_LOGGER = logging.getLogger("websockets.client")


class _NoDebugLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """For private connections: websockets' DEBUG lines show the request path (the listen key) and
    every frame (account data). Claiming DEBUG is off makes websockets skip them entirely."""

    def isEnabledFor(self, level: int) -> bool:
        return level > logging.DEBUG and self.logger.isEnabledFor(level)


def redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


class WsSession:
    """IStreamSession over one websocket connection."""

    def __init__(
        self,
        ws: ClientConnection,
        feed: Feed,
        *,
        helpers: Sequence[Helper] = (),
        logger: logging.Logger | None = None,
    ) -> None:
        self._ws = ws
        self._feed = feed
        self._helpers = tuple(helpers)
        self._logger = logger if logger is not None else logging.getLogger("bot_v2.streaming")

    async def run(self) -> None:
        tasks = [asyncio.create_task(self._guard(helper)) for helper in self._helpers]
        recv = self._ws.recv
        feed = self._feed
        try:
            while True:
                # decode=False: text frames stay bytes, which orjson reads without a UTF-8 pass.
                if not feed(await recv(decode=False)):
                    return
        except ConnectionClosed as exc:
            raise StreamClosed(describe(exc)) from None
        finally:
            for task in tasks:
                task.cancel()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._ws.close()

    async def _guard(self, helper: Helper) -> None:
        """A helper that fails (the socket closed under it) ends quietly; the reader sees the close."""
        try:
            await helper(self._ws)
        except ConnectionClosed:
            return
        except Exception as exc:
            self._logger.warning("stream helper stopped: %s", describe(exc))
