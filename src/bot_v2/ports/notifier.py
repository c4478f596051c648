"""INotifier: alerts for an operator (a chat, a pager, a webhook).

An `Alert` is one thing a person should hear about (a position opened, the kill switch engaged ...).
A notifier delivers one alert once; it does not retry, queue or sleep: the alert dispatcher
(monitoring/alerts) does that in the background, so a notifier that is slow or down never holds up
a cycle."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Protocol

import attrs


class Severity(enum.Enum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


@attrs.frozen
class Alert:
    # What happened, as a stable name (docs/alerts.md lists them): "position_opened", "kill_switch".
    kind: str
    severity: Severity
    # One line a person reads first, then the detail.
    title: str
    text: str = ""
    # Clock time of the event (the replay's clock in a replay), milliseconds since the epoch.
    at_ms: int = 0
    # Alerts with the same key within the dedup window are sent once; empty: kind + title.
    key: str = ""
    # Machine-readable facts (symbol, size, price ...), for the generic webhook.
    fields: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def dedup_key(self) -> str:
        return self.key or f"{self.kind}:{self.title}"


class NotifierError(Exception):
    """A delivery that failed. `retryable`: a later attempt may succeed (429, 5xx, timeout, no
    connection); `retry_after_s`: what the service asked us to wait, if it said. The message never
    holds a webhook URL or a token."""

    def __init__(
        self, message: str, *, retryable: bool = True, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class INotifier(Protocol):
    @property
    def name(self) -> str:
        """The service ("slack", "telegram", "discord", "webhook"), as /health names it."""

    def send(self, alert: Alert) -> None:
        """Deliver one alert, once; raise NotifierError when it was not delivered."""

    def close(self) -> None:
        """Release the connection pool."""
