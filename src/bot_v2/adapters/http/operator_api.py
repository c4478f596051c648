"""OperatorApiServer serves an IStatusSource on a background thread. It reads snapshots only, so it
never blocks or races the trading loop."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot_v2.domain.errors import BotError
from bot_v2.ports.status import IStatusSource


class OperatorApiServer:
    def __init__(self, status: IStatusSource, host: str, port: int) -> None:
        self._status = status
        self._host = host
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        if self._server is None:
            return ""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        status = self._status

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] == "/health":
                    healthy, doc = status.health()
                    self._send(
                        200 if healthy else 503, json.dumps(doc).encode(), "application/json"
                    )
                elif self.path.split("?")[0] == "/metrics":
                    body, content_type = status.metrics_text()
                    self._send(200, body, content_type)
                else:
                    self._send(404, b'{"error": "not found"}', "application/json")

            def _send(self, code: int, body: bytes, content_type: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None  # keep the operator's terminal for trading output

        try:
            self._server = ThreadingHTTPServer((self._host, self._port), Handler)
        except OSError as exc:
            raise BotError(
                f"config.monitoring.http_port: cannot listen on {self._host}:{self._port} "
                f"({exc.strerror or exc}); pick another port or 0 for any free one"
            ) from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="operator-api", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
