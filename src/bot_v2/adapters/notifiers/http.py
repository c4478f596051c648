"""What every notifier shares: one httpx client per service, POST JSON, and every failure turned
into a NotifierError whose text holds no webhook URL and no token.

httpx logs each request's URL at INFO (`HTTP Request: POST https://hooks.slack.com/...`); a
filter on its logger masks the service's secrets there for as long as the notifier is open, so they
stay out of every log, not only of logs that pass the CLI's redaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

from bot_v2.adapters.brokers.ccxt.redact import Redactor
from bot_v2.ports.notifier import NotifierError

RetryAfter = Callable[[httpx.Response], float | None]
# A service's error answer is quoted in the error, this much of it at most.
_QUOTED = 200
# The longest wait a service may ask for that we honour; longer is treated as this.
MAX_RETRY_AFTER_S = 300.0


def url_secrets(url: str) -> list[str]:
    """A webhook URL is a credential, and so is its path (Slack's and Discord's hold the token)."""
    parsed = httpx.URL(url)
    tail = parsed.raw_path.decode("ascii", "replace")
    # A bare "/" or "/hook" is no secret, and masking it would garble unrelated text.
    return [url, str(parsed)] + ([tail] if len(tail) >= 8 else [])


class _LogRedaction(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._redactor.clean(record.getMessage()), None
        return True


class JsonPoster:
    def __init__(
        self,
        service: str,
        secrets: Iterable[str],
        timeout_s: float,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.service = service
        self.redactor = Redactor(secrets)
        self._client = httpx.Client(timeout=timeout_s, transport=transport)
        self._log_filter = _LogRedaction(self.redactor)
        logging.getLogger("httpx").addFilter(self._log_filter)

    def post(
        self, url: str, body: Mapping[str, Any], retry_after: RetryAfter | None = None
    ) -> httpx.Response:
        """The 2xx answer, or NotifierError: retryable for 429, 5xx and transport failures."""
        try:
            response = self._client.post(url, json=dict(body))
        except httpx.TimeoutException as exc:
            raise self._error(f"timed out ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise self._error(f"{type(exc).__name__}: {exc}") from None
        status = response.status_code
        if 200 <= status < 300:
            return response
        if status == 429:
            wait = _header_retry_after(response)
            if retry_after is not None:
                wait = retry_after(response) or wait
            if wait is not None:
                wait = min(max(wait, 0.0), MAX_RETRY_AFTER_S)
            raise self._error(f"HTTP 429 (rate limited; retry after {wait}s)", retry_after_s=wait)
        quoted = response.text[:_QUOTED].strip()
        raise self._error(f"HTTP {status}: {quoted}", retryable=status >= 500)

    def _error(
        self, text: str, *, retryable: bool = True, retry_after_s: float | None = None
    ) -> NotifierError:
        message = f"{self.service}: {self.redactor.clean(text)}"
        return NotifierError(message, retryable=retryable, retry_after_s=retry_after_s)

    def close(self) -> None:
        self._client.close()
        logging.getLogger("httpx").removeFilter(self._log_filter)


def _header_retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def json_retry_after(*path: str) -> RetryAfter:
    """The wait a service puts in its JSON error body (Discord: retry_after; Telegram:
    parameters.retry_after)."""

    def read(response: httpx.Response) -> float | None:
        try:
            value: Any = response.json()
            for key in path:
                value = value[key]
            return float(value)
        except (ValueError, KeyError, TypeError):
            return None

    return read
