"""The fatal error alert carries the error's text with every secret masked, and closing the
service delivers what is queued before it stops."""

from __future__ import annotations

from bot_v2.monitoring.alerts.channel import DeliveryChannel, DeliveryPolicy
from bot_v2.monitoring.alerts.dispatcher import AlertDispatcher
from bot_v2.monitoring.alerts.service import AlertService
from bot_v2.orchestration.config.credentials import redact
from bot_v2.orchestration.config.models import Secrets
from bot_v2.ports.notifier import Severity
from tests.unit.alerts.test_dispatcher import Recording


def test_a_fatal_error_is_sent_redacted_before_the_service_closes() -> None:
    secrets = Secrets(slack_webhook_url="https://hooks.slack.com/services/T/B/LEAK-123")
    notifier = Recording()
    service = AlertService(AlertDispatcher([DeliveryChannel(notifier, DeliveryPolicy())]))
    service.start()
    error = RuntimeError(f"cannot post to {secrets.slack_webhook_url}")
    service.fatal(error, 1_700_000_000_000, lambda text: redact(text, secrets))
    service.close(5)
    [alert] = notifier.sent
    assert alert.kind == "fatal" and alert.severity is Severity.CRITICAL
    assert alert.text == "RuntimeError: cannot post to ***"
    assert notifier.closed
