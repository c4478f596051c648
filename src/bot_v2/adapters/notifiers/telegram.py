"""Telegram bots: POST <api>/bot<PERPS_TELEGRAM_BOT_TOKEN>/sendMessage with chat_id
(PERPS_TELEGRAM_CHAT_ID) and text. Telegram answers {"ok": true, "result": ...}; when rate-limited
429 with {"ok": false, "parameters": {"retry_after": seconds}}. A 200 with "ok": false is a
failure too."""

from __future__ import annotations

from bot_v2.adapters.notifiers.http import JsonPoster, json_retry_after
from bot_v2.adapters.notifiers.settings import NotifierSettings
from bot_v2.adapters.notifiers.text import plain_text
from bot_v2.ports.notifier import Alert, NotifierError

# Telegram refuses a message over 4096 characters.
_LIMIT = 4096
_RETRY_AFTER = json_retry_after("parameters", "retry_after")


class TelegramNotifier:
    name = "telegram"

    def __init__(self, settings: NotifierSettings) -> None:
        token = settings.telegram_bot_token
        self._url = f"{settings.telegram_api_url.rstrip('/')}/bot{token}/sendMessage"
        self._chat_id = settings.telegram_chat_id
        self._source = settings.source
        self._http = JsonPoster(self.name, [token], settings.timeout_s, settings.transport)

    def send(self, alert: Alert) -> None:
        body = {
            "chat_id": self._chat_id,
            "text": plain_text(alert, self._source, _LIMIT),
            "disable_web_page_preview": True,
        }
        response = self._http.post(self._url, body, _RETRY_AFTER)
        try:
            ok = response.json().get("ok") is True
        except (ValueError, AttributeError):
            ok = False
        if not ok:
            raise NotifierError(
                f"telegram: answer without ok: {self._http.redactor.clean(response.text[:200])}",
                retryable=False,
            )

    def close(self) -> None:
        self._http.close()
