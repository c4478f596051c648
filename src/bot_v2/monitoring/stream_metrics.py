"""Stream health on /metrics: a collector that reads the stream's counters at scrape time, so the
trading loop never does extra work for metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import attrs
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot_v2.features.streaming.counters import StreamStats

_GAUGES = {"connected", "healthy", "fallback_active"}


class StreamStatsCollector(Collector):
    def __init__(self, venue: str, stats: Callable[[], StreamStats]) -> None:
        self._venue = venue
        self._stats = stats

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        snapshot = attrs.asdict(self._stats())
        for name, value in snapshot.items():
            metric: CounterMetricFamily | GaugeMetricFamily
            if name in _GAUGES:
                metric = GaugeMetricFamily(
                    f"perps_stream_{name}", f"Stream state: {name}", labels=["venue"]
                )
                metric.add_metric([self._venue], 1.0 if value else 0.0)
            else:
                metric = CounterMetricFamily(
                    f"perps_stream_{name}", f"Stream counter: {name}", labels=["venue"]
                )
                metric.add_metric([self._venue], float(value))
            yield metric
