"""OperatorApiServer serves the operator API (app.py) with uvicorn on its own thread and event
loop, off the trading loop: it reads snapshots and queues controls, so it never blocks or races a
cycle. uvicorn bounds what a client can hold: an idle connection is closed after
`idle_timeout_s`, at most `max_connections` are served at once (503 beyond), headers are capped by
h11's incomplete-event limit, and BodyCap answers 413 to a body over the cap."""

from __future__ import annotations

import asyncio
import socket
import threading

import uvicorn

from bot_v2.adapters.http.app import build_app
from bot_v2.adapters.http.limits import BodyCap
from bot_v2.adapters.http.parts import ApiParts, ServerLimits
from bot_v2.adapters.http.protocol import BoundedH11Protocol
from bot_v2.domain.errors import BotError
from bot_v2.ports.status import IStatusSource

# How long start() waits for the server to listen, and stop() for it to finish.
_START_S = 30.0


class OperatorApiServer:
    def __init__(
        self,
        status: IStatusSource,
        host: str,
        port: int,
        parts: ApiParts | None = None,
        limits: ServerLimits | None = None,
    ) -> None:
        self._status = status
        self._host = host
        self._port = port
        self._parts = parts
        self._limits = limits or ServerLimits()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._address = ""

    @property
    def address(self) -> str:
        return self._address

    def start(self) -> None:
        sock = self._bind()
        limits = self._limits
        app = BodyCap(
            build_app(self._status, self._parts),
            limits.max_body_bytes,
            float(limits.idle_timeout_s),
        )
        config = uvicorn.Config(
            app,
            http=BoundedH11Protocol,
            loop="asyncio",
            lifespan="off",
            log_config=None,
            # Request lines would show query strings; tokens travel in headers, but nothing of a
            # request is logged at all.
            access_log=False,
            timeout_keep_alive=float(limits.idle_timeout_s),
            limit_concurrency=limits.max_connections,
            h11_max_incomplete_event_size=limits.max_header_bytes,
            server_header=False,
        )
        server = uvicorn.Server(config)
        # The trading process owns its signals; the server's thread must not install handlers.
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._server = server
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])),
            name="operator-api",
            daemon=True,
        )
        self._thread.start()
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in str(host) else str(host)
        self._address = f"http://{shown}:{port}"
        deadline = threading.Event()
        for _ in range(int(_START_S / 0.01)):
            if server.started or not self._thread.is_alive():
                break
            deadline.wait(0.01)
        if not server.started:
            raise BotError(f"the operator API did not start on {self._address}")

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, self._port))
        except OSError as exc:
            sock.close()
            raise BotError(
                f"config.monitoring.http_port: cannot listen on {self._host}:{self._port} "
                f"({exc.strerror or exc}); pick another port or 0 for any free one"
            ) from None
        sock.listen(128)
        sock.set_inheritable(True)
        return sock

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout=_START_S)
        if self._parts is not None:
            self._parts.store.close()
