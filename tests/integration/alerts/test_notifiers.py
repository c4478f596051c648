"""Each notifier against a loopback receiver speaking its service's format, through the real httpx
client: it delivers; a 429 is retried after the wait the service asked for, a 5xx with backoff;
a refusal (4xx) is not retried; a receiver that keeps failing leaves the notifier failing in the
dispatcher's status (degraded, with the reason), and no URL or token reaches a log or an error."""

from __future__ import annotations

import json
import logging

import pytest

from bot_v2.ports.notifier import Alert, NotifierError, Severity
from tests.alertloopback import Receiver, Reply, rate_limited, server_error
from tests.alertloopback.receivers import (
    DISCORD_PATH,
    SLACK_PATH,
    TELEGRAM_CHAT,
    TELEGRAM_TOKEN,
    WEBHOOK_PATH,
)
from tests.integration.alerts._build import dispatcher_for, notifier_for

SERVICES = ("webhook", "slack", "telegram", "discord")
SECRETS = (SLACK_PATH, DISCORD_PATH, WEBHOOK_PATH, TELEGRAM_TOKEN, "secret")
OPENED = Alert(
    "position_opened",
    Severity.INFO,
    "position opened: BTC/USDT:USDT",
    "BTC/USDT:USDT: long 0.5 @ 42000",
    1_704_067_200_000,
    fields={"symbol": "BTC/USDT:USDT"},
)


def _text(service: str, body: dict[str, object]) -> str:
    key = {"slack": "text", "telegram": "text", "discord": "content", "webhook": "title"}[service]
    return str(body[key])


@pytest.mark.parametrize("service", SERVICES)
def test_each_notifier_delivers_in_its_services_format(service: str) -> None:
    with Receiver(service).running() as receiver:
        notifier = notifier_for(receiver)
        try:
            notifier.send(OPENED)
        finally:
            notifier.close()
    [request] = receiver.requests
    assert request.status in (200, 204)
    assert "position opened: BTC/USDT:USDT" in _text(service, request.body)
    if service == "telegram":
        assert str(request.body["chat_id"]) == TELEGRAM_CHAT
        assert "long 0.5 @ 42000" in request.body["text"]
    if service == "webhook":
        assert request.body["kind"] == "position_opened"
        assert request.body["severity"] == "info"
        assert request.body["fields"] == {"symbol": "BTC/USDT:USDT"}
        assert request.body["at"].startswith("2024-01-01T00:00:00")


@pytest.mark.parametrize("service", SERVICES)
def test_a_429_is_retried_after_the_wait_the_service_asks(
    service: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with Receiver(service).running() as receiver:
        receiver.fail_next(rate_limited(service, retry_after=1))
        dispatcher = dispatcher_for(receiver)
        dispatcher.emit(OPENED)
        receiver.wait_for(lambda: receiver.delivered())
        dispatcher.close(5)
    assert [r.status for r in receiver.requests] == [429, 204 if service == "discord" else 200]
    assert len(receiver.delivered()) == 1
    status = dispatcher.status()["notifiers"][service]
    assert status["sent"] == 1 and status["retries"] == 1 and not status["failing"]
    # The wait came from the service's answer (1 s), not from the backoff (0.01 s).
    assert "next in 1s" in caplog.text


@pytest.mark.parametrize("service", SERVICES)
def test_5xx_is_retried_with_backoff_until_it_is_delivered(service: str) -> None:
    with Receiver(service).running() as receiver:
        receiver.fail_next(server_error(500), server_error(502))
        dispatcher = dispatcher_for(receiver)
        dispatcher.emit(OPENED)
        receiver.wait_for(lambda: receiver.delivered())
        dispatcher.close(5)
    assert [r.status for r in receiver.requests] == [500, 502, 200 if service != "discord" else 204]
    assert dispatcher.status()["notifiers"][service]["retries"] == 2


def test_a_refusal_is_not_retried() -> None:
    with Receiver("slack").running() as receiver:
        receiver.fail_next(Reply(404, "no_service"))
        notifier = notifier_for(receiver)
        with pytest.raises(NotifierError) as raised:
            notifier.send(OPENED)
        notifier.close()
    assert not raised.value.retryable
    assert "HTTP 404" in str(raised.value)


def test_telegram_ok_false_is_a_failure() -> None:
    with Receiver("telegram").running() as receiver:
        receiver.fail_next(Reply(200, {"ok": False, "description": "Bad Request"}))
        notifier = notifier_for(receiver)
        with pytest.raises(NotifierError, match="without ok"):
            notifier.send(OPENED)
        notifier.close()


@pytest.mark.parametrize("service", SERVICES)
def test_a_receiver_that_keeps_failing_degrades_status_without_leaking_secrets(
    service: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with Receiver(service).running() as receiver:
        receiver.fail_always(server_error(503))
        dispatcher = dispatcher_for(receiver)
        published: list[dict[str, object]] = []
        dispatcher.publish_to(published.append)
        dispatcher.emit(OPENED)
        receiver.wait_for(lambda: dispatcher.status()["notifiers"][service]["failed"] == 1)
        degraded = dispatcher.status()
        # A delivery that works again clears it.
        receiver.fail_always(None)
        dispatcher.emit(Alert("halt", Severity.WARNING, "trading halted", at_ms=1))
        receiver.wait_for(lambda: receiver.delivered())
        dispatcher.close(5)
    assert len(receiver.requests) == 3 + 1  # max_attempts, then the next alert
    assert degraded["status"] == "degraded"
    assert degraded["reasons"] == [f"{service} failing: {service}: HTTP 503: " + _body_503()]
    assert degraded["notifiers"][service]["failing"] is True
    assert dispatcher.status()["status"] == "ok"
    everything = caplog.text + json.dumps(published) + json.dumps(degraded)
    assert "HTTP 503" in everything  # the failures were logged and reported ...
    for secret in SECRETS:
        assert secret not in everything  # ... without a URL or token
    # httpx logged each request (with its URL, masked): the check above looked at them.
    assert caplog.text.count("HTTP Request: POST") == 4


def _body_503() -> str:
    return json.dumps(server_error(503).body)


def test_unreachable_service_errors_name_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    receiver = Receiver("telegram")  # never started: the port refuses connections
    with receiver.running():
        pass
    notifier = notifier_for(receiver)
    with pytest.raises(NotifierError) as raised:
        notifier.send(OPENED)
    notifier.close()
    assert raised.value.retryable
    assert TELEGRAM_TOKEN not in str(raised.value) + caplog.text
