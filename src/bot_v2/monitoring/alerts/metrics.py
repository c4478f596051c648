"""Alert delivery on /metrics, read from the channels at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot_v2.monitoring.alerts.dispatcher import AlertDispatcher

_COUNTS = {
    "sent": "Alerts delivered",
    "failed": "Alerts given up after every attempt",
    "retries": "Alert sends retried",
    "dropped": "Alerts dropped from a full queue or left unsent at stop",
}


class AlertStatsCollector(Collector):
    def __init__(self, dispatcher: AlertDispatcher) -> None:
        self._dispatcher = dispatcher

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        statuses = [channel.status() for channel in self._dispatcher.channels]
        for field, help_text in _COUNTS.items():
            counter = CounterMetricFamily(f"perps_alerts_{field}", help_text, labels=["notifier"])
            for s in statuses:
                counter.add_metric([s.name], float(getattr(s, field)))
            yield counter
        failing = GaugeMetricFamily(
            "perps_alerts_notifier_failing",
            "1 while the notifier's last alert failed",
            labels=["notifier"],
        )
        queued = GaugeMetricFamily("perps_alerts_queued", "Alerts waiting", labels=["notifier"])
        for s in statuses:
            failing.add_metric([s.name], 1.0 if s.failing else 0.0)
            queued.add_metric([s.name], float(s.queued))
        yield failing
        yield queued
        yield CounterMetricFamily(
            "perps_alerts_deduplicated",
            "Repeats not sent",
            value=float(self._dispatcher.deduplicated),
        )
