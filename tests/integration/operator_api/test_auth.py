"""Who may read and who may steer, over a real socket: no token 401, a viewer reads and is refused
controls (403), the operator steers; a login hands out an HttpOnly, SameSite=Strict session
cookie; failed logins are rate-limited; without tokens the API is read-only; tokens and sessions
never appear in a response or a log line."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import httpx
import pytest

from bot_v2.adapters.http.auth import ApiTokens
from bot_v2.ports.control import ControlAction, ControlResult

from ._served import OPERATOR, VIEWER, served


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_roles_decide_what_a_caller_gets(tmp_path: Path) -> None:
    with served(tmp_path) as (url, queue, _):
        for path in (
            "status",
            "positions",
            "orders",
            "fills",
            "equity",
            "pnl/daily",
            "risk",
            "events",
            "reconciliation",
            "strategies",
            "config",
            "logs",
        ):
            assert httpx.get(f"{url}/api/v1/{path}").status_code == 401, path
            assert httpx.get(f"{url}/api/v1/{path}", headers=bearer(VIEWER)).status_code == 200
            assert httpx.get(f"{url}/api/v1/{path}", headers=bearer(OPERATOR)).status_code == 200
        assert httpx.get(f"{url}/api/v1/status", headers=bearer("wrong")).status_code == 401
        pause = f"{url}/api/v1/control/pause"
        assert httpx.post(pause).status_code == 401
        assert httpx.post(pause, headers=bearer(VIEWER)).status_code == 403
        assert queue.take() == []
        # Nobody applies it here: still queued, with the operator's role.
        assert httpx.post(pause, headers=bearer(OPERATOR)).status_code == 202
        [(command, _)] = queue.take()
        assert command.action is ControlAction.PAUSE and command.role == "operator"
        # Probes need no token, as before.
        assert httpx.get(f"{url}/health").status_code == 200
        assert httpx.get(f"{url}/metrics").status_code == 200


def test_a_control_answers_with_its_outcome_once_the_runtime_applied_it(tmp_path: Path) -> None:
    with served(tmp_path) as (url, queue, _):

        def runtime() -> None:
            while not (pending := queue.take()):
                threading.Event().wait(0.01)
            for command, future in pending:
                future.set_result(ControlResult(command.action, "applied", command.symbol))

        threading.Thread(target=runtime, daemon=True).start()
        response = httpx.post(
            f"{url}/api/v1/control/flatten?wait_s=60",
            json={"symbol": "BTC/USDT:USDT"},
            headers=bearer(OPERATOR),
            timeout=90,
        )
        assert response.status_code == 200
        assert response.json() == {
            "action": "flatten",
            "status": "applied",
            "detail": "BTC/USDT:USDT",
        }


def test_login_sets_a_strict_http_only_session_cookie(tmp_path: Path) -> None:
    with served(tmp_path) as (url, _, _):
        with httpx.Client(base_url=url) as browser:
            response = browser.post("/api/v1/login", json={"token": VIEWER})
            assert response.status_code == 200 and response.json()["role"] == "viewer"
            cookie = response.headers["set-cookie"].lower()
            assert "httponly" in cookie and "samesite=strict" in cookie
            assert VIEWER not in response.headers["set-cookie"]
            assert browser.get("/api/v1/status").status_code == 200
            assert browser.post("/api/v1/control/pause").status_code == 403
            browser.post("/api/v1/logout")
            assert browser.get("/api/v1/status").status_code == 401
        with httpx.Client(base_url=url) as browser:
            browser.post("/api/v1/login", json={"token": OPERATOR})
            assert browser.get("/api/v1/whoami").json()["role"] == "operator"
            assert browser.post("/api/v1/control/resume").status_code == 202
            # A forged session is nobody's.
            browser.cookies.set("perps_session", "e30.e30.forged")
            assert browser.get("/api/v1/status").status_code == 401


def test_failed_logins_are_rate_limited(tmp_path: Path) -> None:
    with served(tmp_path, logins_per_minute=3) as (url, _, _):
        login = f"{url}/api/v1/login"
        assert [httpx.post(login, json={"token": "guess"}).status_code for _ in range(3)] == [
            401
        ] * 3
        # Even the right token waits now: guessing gains nothing by alternating.
        assert httpx.post(login, json={"token": OPERATOR}).status_code == 429


def test_without_tokens_reads_are_open_and_controls_refused(tmp_path: Path) -> None:
    with served(tmp_path, tokens=ApiTokens()) as (url, queue, _):
        assert httpx.get(f"{url}/api/v1/status").status_code == 200
        response = httpx.post(f"{url}/api/v1/control/kill")
        assert response.status_code == 403 and "read-only" in response.json()["detail"]
        assert queue.take() == []


def test_the_openapi_document_lists_reads_and_controls(tmp_path: Path) -> None:
    with served(tmp_path) as (url, _, _):
        paths = httpx.get(f"{url}/api/v1/openapi.json").json()["paths"]
    for action in (
        "pause",
        "resume",
        "reduce_only/on",
        "reduce_only/off",
        "kill",
        "flatten",
        "cancel_orders",
        "strategy_params",
    ):
        assert f"/api/v1/control/{action}" in paths
    assert "/api/v1/status" in paths and "/api/v1/login" in paths


def test_tokens_and_sessions_never_reach_a_response_or_a_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen = []
    with served(tmp_path) as (url, _, _), httpx.Client(base_url=url) as client:
        session = client.post("/api/v1/login", json={"token": OPERATOR}).cookies["perps_session"]
        # A token in the wrong shape, in a bad query, as a bad bearer: the errors name no value.
        seen.append(client.post("/api/v1/login", json={"token": [OPERATOR]}).text)
        seen.append(client.get("/api/v1/fills", params={"limit": VIEWER}).text)
        seen.append(httpx.get(f"{url}/api/v1/status", headers=bearer(VIEWER + "x")).text)
        seen.append(client.get("/api/v1/status").text)
    # Every log line of the server side (the test's own httpx client logs the URLs it asks for).
    server_lines = [r.getMessage() for r in caplog.records if not r.name.startswith("http")]
    assert any(r.name.startswith("uvicorn") for r in caplog.records)
    text = "\n".join(seen + server_lines)
    for secret in (OPERATOR, VIEWER, session):
        assert secret not in text
