"""The venue-neutral part: connections, the refuse gate, the fault switches and a market clock that
ticks on its own task while the server runs."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response


class Conn:
    """One client connection as the server sees it."""

    def __init__(self, ident: int, ws: ServerConnection, path: str) -> None:
        self.ident = ident
        self.ws = ws
        self.path = path
        self.opened_at = time.monotonic()
        self.closed_at: float | None = None
        self.silenced = False
        self.topics: set[str] = set()
        self.received: list[Any] = []
        self.sent = 0

    @property
    def open(self) -> bool:
        return self.closed_at is None


class LoopbackServer:
    """Subclasses implement `on_open`, `on_message` and `tick`."""

    def __init__(self, tick_s: float = 0.005) -> None:
        self.tick_s = tick_s
        self.conns: list[Conn] = []
        # ("open" | "close", conn id) in the order they happened: shows overlap at rotations.
        self.timeline: list[tuple[str, int]] = []
        self.refusing = False
        self.refused = 0
        self.ticks = 0
        self.paused = False
        self._ids = itertools.count(1)
        self._server: Server | None = None
        self._ticker: asyncio.Task[None] | None = None

    # ---- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> LoopbackServer:
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            0,
            process_request=self._process_request,
            compression=None,
        )
        self._ticker = asyncio.create_task(self._tick_loop())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._server is not None:
            self._server.close()
            await asyncio.wait_for(self._server.wait_closed(), 5)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def active(self) -> list[Conn]:
        return [conn for conn in self.conns if conn.open]

    # ---- faults -------------------------------------------------------------------------------

    def drop_mid_message(self) -> int:
        """Every open connection gets half a text frame, then the TCP connection is aborted."""
        dropped = 0
        for conn in self.active:
            transport = conn.ws.transport
            # Header announces 256 payload bytes; only a few follow before the connection dies.
            transport.write(b"\x81\x7e\x01\x00" + b'{"stream":"btcusdt@bookTi')
            transport.abort()
            dropped += 1
        return dropped

    def silence(self) -> None:
        """Open connections stay open (protocol pings still answered) but get no more data."""
        for conn in self.active:
            conn.silenced = True

    async def inject(self, frame: str | bytes) -> None:
        """Send a raw frame to every open, non-silenced connection: str as a text frame, bytes as a
        binary frame (a text frame must be valid UTF-8, or the protocol itself closes with 1007)."""
        for conn in self.active:
            if not conn.silenced:
                with contextlib.suppress(ConnectionClosed):
                    await conn.ws.send(frame)
                    conn.sent += 1

    # ---- hooks ---------------------------------------------------------------------------------

    async def on_open(self, conn: Conn) -> None:
        return None

    async def on_message(self, conn: Conn, message: str | bytes) -> None:
        return None

    async def tick(self) -> None:
        return None

    def accept_path(self, path: str) -> bool:
        return True

    # ---- internals -----------------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if self.refusing:
            self.refused += 1
            return connection.respond(503, "loopback refuses connections\n")
        if not self.accept_path(request.path):
            return connection.respond(400, "bad path\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        conn = Conn(next(self._ids), ws, ws.request.path if ws.request else "/")
        self.conns.append(conn)
        self.timeline.append(("open", conn.ident))
        try:
            await self.on_open(conn)
            async for message in ws:
                conn.received.append(message)
                await self.on_message(conn, message)
        except ConnectionClosed:
            pass
        finally:
            conn.closed_at = time.monotonic()
            self.timeline.append(("close", conn.ident))

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            if self.paused:
                continue
            self.ticks += 1
            await self.tick()

    async def send(self, conn: Conn, text: str) -> None:
        if conn.open and not conn.silenced:
            with contextlib.suppress(ConnectionClosed):
                await conn.ws.send(text)
                conn.sent += 1

    @property
    def frames_sent(self) -> int:
        """Frames sent on all connections: once a client counted as many, nothing is in flight."""
        return sum(conn.sent for conn in self.conns)
