"""Stream health on /metrics: a collector that reads the stream's counters at scrape time, so the
trading loop never does extra work for metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import attrs
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot_v2.features.streaming.counters import StreamStats

_GAUGES = {"connected", "healthy", "fallback_active"}
StatsSource = Callable[[], StreamStats]


class StreamStatsCollector(Collector):
    """One series per stream and field, labelled `venue` with the stream's name (the public stream
    is `binanceusdm`, the private one `binanceusdm-user`). Several streams share one collector:
    a registry refuses two collectors that yield the same metric names."""

    def __init__(self, venue: str | None = None, stats: StatsSource | None = None) -> None:
        self._sources: list[tuple[str, StatsSource]] = []
        if venue is not None and stats is not None:
            self.add(venue, stats)

    def add(self, venue: str, stats: StatsSource) -> None:
        self._sources.append((venue, stats))

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        families: dict[str, CounterMetricFamily | GaugeMetricFamily] = {}
        for venue, stats in self._sources:
            for name, value in attrs.asdict(stats()).items():
                metric = families.get(name)
                if metric is None:
                    metric = families[name] = _family(name)
                sample = (1.0 if value else 0.0) if name in _GAUGES else float(value)
                metric.add_metric([venue], sample)
        yield from families.values()


def _family(name: str) -> CounterMetricFamily | GaugeMetricFamily:
    if name in _GAUGES:
        return GaugeMetricFamily(f"perps_stream_{name}", f"Stream state: {name}", labels=["venue"])
    return CounterMetricFamily(f"perps_stream_{name}", f"Stream counter: {name}", labels=["venue"])
