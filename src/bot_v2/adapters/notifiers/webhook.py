"""A generic JSON webhook: POST <PERPS_WEBHOOK_URL> with the alert as one JSON object
(docs/alerts.md, "Generic webhook"); any 2xx answer is a delivery."""

from __future__ import annotations

from bot_v2.adapters.notifiers.http import JsonPoster, url_secrets
from bot_v2.adapters.notifiers.settings import NotifierSettings
from bot_v2.adapters.notifiers.text import iso_time
from bot_v2.ports.notifier import Alert


class WebhookNotifier:
    name = "webhook"

    def __init__(self, settings: NotifierSettings) -> None:
        self._url = settings.webhook_url
        self._source = settings.source
        self._http = JsonPoster(
            self.name, url_secrets(self._url), settings.timeout_s, settings.transport
        )

    def send(self, alert: Alert) -> None:
        self._http.post(
            self._url,
            {
                "source": self._source,
                "kind": alert.kind,
                "severity": alert.severity.value,
                "title": alert.title,
                "text": alert.text,
                "at": iso_time(alert.at_ms),
                "at_ms": alert.at_ms,
                "fields": dict(alert.fields),
            },
        )

    def close(self) -> None:
        self._http.close()
