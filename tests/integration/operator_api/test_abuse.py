"""Abuse stays bounded, over real sockets: a connection that sends nothing, or a request head a
byte at a time, is closed after the configured idle timeout (the stdlib server held a thread for
each for ever); a body over the cap is answered 413 before it is read; a header over the cap is
refused. The limits are the server's own small configured values, no wall-clock threshold: each
socket's timeout is only a guard against a hang."""

from __future__ import annotations

import socket
from decimal import Decimal
from pathlib import Path

import httpx

from bot_v2.adapters.http.parts import ServerLimits

from ._served import OPERATOR, served

SMALL = ServerLimits(
    idle_timeout_s=Decimal("0.3"), max_connections=20, max_body_bytes=1024, max_header_bytes=2048
)
GUARD_S = 60


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=GUARD_S)
    return sock


def _closed_by_server(sock: socket.socket) -> bool:
    """Reads until the server closes; True when it did before the guard ran out."""
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def test_a_connection_that_never_sends_is_closed(tmp_path: Path) -> None:
    with served(tmp_path, limits=SMALL) as (url, _, _):
        with _connect(url) as sock:
            assert _closed_by_server(sock)
        # The server still answers afterwards.
        assert httpx.get(f"{url}/health", timeout=GUARD_S).status_code == 200


def test_a_request_head_sent_slowly_is_closed(tmp_path: Path) -> None:
    with served(tmp_path, limits=SMALL) as (url, _, _), _connect(url) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        assert _closed_by_server(sock)


def test_an_idle_keep_alive_connection_is_closed_after_its_response(tmp_path: Path) -> None:
    with served(tmp_path, limits=SMALL) as (url, _, _), _connect(url) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        first = sock.recv(4096)
        assert first.startswith(b"HTTP/1.1 200")
        assert _closed_by_server(sock)


def test_an_oversized_body_is_refused_with_413(tmp_path: Path) -> None:
    with served(tmp_path, limits=SMALL) as (url, queue, _):
        response = httpx.post(
            f"{url}/api/v1/control/strategy_params",
            content=b"{" + b" " * 4096 + b"}",
            headers={"Authorization": f"Bearer {OPERATOR}", "Content-Type": "application/json"},
            timeout=GUARD_S,
        )
        assert response.status_code == 413
        assert "api.max_body_bytes" in response.json()["detail"]
        assert queue.take() == []


def test_an_oversized_chunked_body_is_refused_with_413(tmp_path: Path) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(8):
            yield b" " * 512

    with served(tmp_path, limits=SMALL) as (url, queue, _):
        response = httpx.post(
            f"{url}/api/v1/control/flatten",
            content=chunks(),
            headers={"Authorization": f"Bearer {OPERATOR}"},
            timeout=GUARD_S,
        )
        assert response.status_code == 413
        assert queue.take() == []


def test_an_unfinished_head_over_the_header_cap_is_refused(tmp_path: Path) -> None:
    # What h11 buffers for a head not yet complete is capped (max_header_bytes): past it, the
    # server answers an error and closes instead of buffering on.
    with served(tmp_path, limits=SMALL) as (url, _, _), _connect(url) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8192)
        answer = b""
        try:
            while chunk := sock.recv(4096):
                answer += chunk
        except ConnectionResetError:
            pass
        assert answer.startswith(b"HTTP/1.1 4"), answer


def test_a_body_that_stalls_is_answered_408(tmp_path: Path) -> None:
    with served(tmp_path, limits=SMALL) as (url, queue, _), _connect(url) as sock:
        sock.sendall(
            b"POST /api/v1/control/flatten HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + OPERATOR.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert queue.take() == []
