"""One receiver per service. Each checks the request the way the service does (path with its
token, JSON body fields) and answers as the service answers; `fail_next` and `fail_always` script
failures. Everything received is kept in `requests`."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

SLACK_PATH = "/services/T0001/B0001/slack-secret-path-1234"
DISCORD_PATH = "/api/webhooks/1234567890/discord-secret-token-5678"
WEBHOOK_PATH = "/hook/generic-secret-9012"
TELEGRAM_TOKEN = "123456:telegram-secret-token-abcd"
TELEGRAM_CHAT = "-1001234567"


@attrs.frozen
class Reply:
    status: int
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    # Seconds the receiver holds the request before answering (a hung service).
    delay_s: float = 0.0


@attrs.frozen
class Received:
    path: str
    body: Any
    content_type: str
    status: int


def rate_limited(service: str, retry_after: float = 1) -> Reply:
    """A 429 as the service sends it, asking to wait `retry_after` seconds."""
    if service == "telegram":
        body = {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {int(retry_after)}",
            "parameters": {"retry_after": int(retry_after)},
        }
        return Reply(429, body)
    if service == "discord":
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": False,
        }
        return Reply(429, body, (("Retry-After", str(int(retry_after) or 1)),))
    return Reply(429, "rate_limited", (("Retry-After", str(int(retry_after))),))


def server_error(status: int = 503) -> Reply:
    return Reply(status, {"ok": False, "description": "Internal Server Error"})


class Receiver:
    def __init__(self, service: str) -> None:
        self.service = service
        self.requests: list[Received] = []
        self._script: deque[Reply] = deque()
        self._always: Reply | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """What goes in the service's environment variable (Telegram: the API base)."""
        paths = {"slack": SLACK_PATH, "discord": DISCORD_PATH, "webhook": WEBHOOK_PATH}
        return self.base + paths.get(self.service, "")

    def fail_next(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def fail_always(self, reply: Reply | None) -> None:
        with self._lock:
            self._always = reply

    def delivered(self) -> list[Received]:
        """Requests the service accepted (2xx)."""
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def wait_for(self, predicate: Any, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.01)
        raise AssertionError(f"{self.service} receiver: condition not met; got {self.requests}")

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        self._thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()

    # -- answering -------------------------------------------------------------------------------
    def answer(self, path: str, raw: bytes, content_type: str) -> Reply:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self._lock:
            scripted = self._script.popleft() if self._script else self._always
        reply = scripted or _ANSWER[self.service](path, body, content_type)
        with self._lock:
            self.requests.append(Received(path, body, content_type, reply.status))
        return reply


def _slack(path: str, body: Any, content_type: str) -> Reply:
    if path != SLACK_PATH:
        return Reply(404, "no_service")
    if "application/json" not in content_type or not isinstance(body, dict):
        return Reply(400, "invalid_payload")
    if not isinstance(body.get("text"), str) or not body["text"]:
        return Reply(400, "no_text")
    return Reply(200, "ok")


def _telegram(path: str, body: Any, content_type: str) -> Reply:
    if path != f"/bot{TELEGRAM_TOKEN}/sendMessage":
        return Reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
    if not isinstance(body, dict) or str(body.get("chat_id")) != TELEGRAM_CHAT:
        return Reply(400, {"ok": False, "error_code": 400, "description": "chat not found"})
    text = body.get("text")
    if not isinstance(text, str) or not text or len(text) > 4096:
        return Reply(400, {"ok": False, "error_code": 400, "description": "bad text"})
    message = {"message_id": 1, "chat": {"id": int(TELEGRAM_CHAT)}, "text": text}
    return Reply(200, {"ok": True, "result": message})


def _discord(path: str, body: Any, content_type: str) -> Reply:
    if path != DISCORD_PATH:
        return Reply(404, {"message": "Unknown Webhook", "code": 10015})
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, str) or not content or len(content) > 2000:
        return Reply(400, {"message": "Cannot send an empty message", "code": 50006})
    return Reply(204)


def _webhook(path: str, body: Any, content_type: str) -> Reply:
    if path != WEBHOOK_PATH:
        return Reply(404, {"error": "not found"})
    fields = ("source", "kind", "severity", "title", "text", "at", "at_ms", "fields")
    if not isinstance(body, dict) or any(f not in body for f in fields):
        return Reply(400, {"error": "missing fields"})
    return Reply(200, {})


_ANSWER = {"slack": _slack, "telegram": _telegram, "discord": _discord, "webhook": _webhook}


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            reply = receiver.answer(self.path, raw, self.headers.get("Content-Type") or "")
            if reply.delay_s:
                time.sleep(reply.delay_s)
            payload = b""
            if reply.body is not None:
                text = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                payload = text.encode()
            self.send_response(reply.status)
            kind = "text/plain" if isinstance(reply.body, str) else "application/json"
            self.send_header("Content-Type", kind)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
