"""A request body cap as plain ASGI middleware: a declared Content-Length over the cap is answered
413 before any of the body is read; a chunked body is counted as it arrives and cut off at the cap.
A body that stops arriving for `idle_s` is answered 408: a slow upload holds no slot for ever."""

from __future__ import annotations

import asyncio
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]


class BodyCap:
    def __init__(self, app: Any, max_bytes: int, idle_s: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.idle_s = idle_s

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await _refuse(
                    send, 413, f"request body larger than api.max_body_bytes ({self.max_bytes})"
                )
                return
        seen = 0
        started = False
        body_done = False
        # Set once this middleware answered for the app: what the app sends after is dropped.
        refused = False

        async def stop(status: int, detail: str) -> Message:
            nonlocal refused
            if not started and not refused:
                await _refuse(send, status, detail)
            refused = True
            # The app sees the client gone and stops reading.
            return {"type": "http.disconnect"}

        async def counted() -> Message:
            nonlocal seen, body_done
            if body_done or refused:
                # Past the body: what is left is waiting for a disconnect, which has no deadline.
                message: Message = await receive()
                return message
            try:
                message = await asyncio.wait_for(receive(), self.idle_s)
            except TimeoutError:
                return await stop(408, "request body stalled longer than api.idle_timeout_s")
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                return await stop(
                    413, f"request body larger than api.max_body_bytes ({self.max_bytes})"
                )
            body_done = not message.get("more_body", False)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except Exception:
            # The app's reaction to the disconnect we handed it; the client has its answer.
            if not refused:
                raise


async def _refuse(send: Any, status: int, detail: str) -> None:
    body = b'{"detail": "%s"}' % detail.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
