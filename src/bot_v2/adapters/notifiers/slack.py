"""Slack incoming webhooks: POST <PERPS_SLACK_WEBHOOK_URL> {"text": ...}; Slack answers 200 "ok",
429 with Retry-After when rate-limited."""

from __future__ import annotations

from bot_v2.adapters.notifiers.http import JsonPoster, url_secrets
from bot_v2.adapters.notifiers.settings import NotifierSettings
from bot_v2.adapters.notifiers.text import plain_text
from bot_v2.ports.notifier import Alert

# Slack truncates a message past 40,000 characters; ours stay far below, the cap is a guard.
_LIMIT = 4000


class SlackNotifier:
    name = "slack"

    def __init__(self, settings: NotifierSettings) -> None:
        self._url = settings.slack_webhook_url
        self._source = settings.source
        self._http = JsonPoster(
            self.name, url_secrets(self._url), settings.timeout_s, settings.transport
        )

    def send(self, alert: Alert) -> None:
        self._http.post(self._url, {"text": plain_text(alert, self._source, _LIMIT)})

    def close(self) -> None:
        self._http.close()
