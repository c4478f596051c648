"""AlertDispatcher: the one place alerts enter. It drops what is below the minimum severity and what
repeats an alert of the same key within the dedup window, then hands each alert to every
notifier's DeliveryChannel (which never blocks). Its status is /health's "alerts" section: degraded,
with the reason, while a notifier is failing; the bot keeps trading either way (a chat that is down
is no reason for a load balancer to pull the bot, so /health still answers 200)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from bot_v2.monitoring.alerts.channel import ChannelStatus, DeliveryChannel
from bot_v2.ports.notifier import Alert, Severity

Publish = Callable[[dict[str, Any]], None]


class AlertDispatcher:
    def __init__(
        self,
        channels: Sequence[DeliveryChannel],
        *,
        min_severity: Severity = Severity.INFO,
        dedup_window_s: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channels = tuple(channels)
        for channel in self.channels:
            channel.on_change = self.changed
        self.min_severity = min_severity
        self.dedup_window_s = dedup_window_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._last_sent: dict[str, float] = {}
        self.deduplicated = 0
        self.below_severity = 0
        self._publish: Publish = lambda status: None
        self._started = False

    def publish_to(self, publish: Publish) -> None:
        """Where the status goes whenever it changes (the monitor's /health detail)."""
        self._publish = publish
        publish(self.status())

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        for channel in self.channels:
            channel.start()

    def close(self, timeout_s: float = 5.0) -> None:
        """Deliver what is queued within `timeout_s` (the channels in parallel), then stop."""
        closers = [
            threading.Thread(target=channel.close, args=(timeout_s,)) for channel in self.channels
        ]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join()
        self.changed()

    def emit(self, alert: Alert) -> bool:
        """Queue `alert` for every notifier; False when filtered out or a repeat."""
        if alert.severity.rank < self.min_severity.rank:
            with self._lock:
                self.below_severity += 1
            return False
        now = self._monotonic()
        key = alert.dedup_key
        with self._lock:
            last = self._last_sent.get(key)
            if last is not None and now - last < self.dedup_window_s:
                self.deduplicated += 1
                return False
            self._last_sent[key] = now
            if len(self._last_sent) > 10_000:
                self._forget_before(now - self.dedup_window_s)
        for channel in self.channels:
            channel.put(alert)
        return True

    def _forget_before(self, cutoff: float) -> None:
        self._last_sent = {k: t for k, t in self._last_sent.items() if t >= cutoff}

    def changed(self) -> None:
        self._publish(self.status())

    def status(self) -> dict[str, Any]:
        channels = [channel.status() for channel in self.channels]
        reasons = [f"{c.name} failing: {c.last_error}" for c in channels if c.failing]
        return {
            "status": "degraded" if reasons else "ok",
            "reasons": reasons,
            "deduplicated": self.deduplicated,
            "notifiers": {c.name: _shown(c) for c in channels},
        }


def _shown(status: ChannelStatus) -> dict[str, Any]:
    return {
        "failing": status.failing,
        "last_error": status.last_error,
        "sent": status.sent,
        "failed": status.failed,
        "retries": status.retries,
        "dropped": status.dropped,
        "queued": status.queued,
    }
