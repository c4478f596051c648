"""Discord webhooks: POST <PERPS_DISCORD_WEBHOOK_URL> {"content": ...}; Discord answers 204 (200
with ?wait=true), 429 with {"retry_after": seconds} and a Retry-After header."""

from __future__ import annotations

from bot_v2.adapters.notifiers.http import JsonPoster, json_retry_after, url_secrets
from bot_v2.adapters.notifiers.settings import NotifierSettings
from bot_v2.adapters.notifiers.text import plain_text
from bot_v2.ports.notifier import Alert

# Discord refuses content over 2000 characters.
_LIMIT = 2000
_RETRY_AFTER = json_retry_after("retry_after")


class DiscordNotifier:
    name = "discord"

    def __init__(self, settings: NotifierSettings) -> None:
        self._url = settings.discord_webhook_url
        self._source = settings.source
        self._http = JsonPoster(
            self.name, url_secrets(self._url), settings.timeout_s, settings.transport
        )

    def send(self, alert: Alert) -> None:
        body = {
            "content": plain_text(alert, self._source, _LIMIT),
            # An alert's text (a symbol, a reason) must never ping anyone.
            "allowed_mentions": {"parse": []},
        }
        self._http.post(self._url, body, _RETRY_AFTER)

    def close(self) -> None:
        self._http.close()
