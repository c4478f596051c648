"""Protection on /metrics: a collector that reads the protection service's counts at scrape time
(perps_protection_total{action}, perps_protection_exits_total{kind}), so a pass does no metrics work."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from bot_v2.features.live_trade.protection.report import ProtectionStats

_ACTIONS = ("placed", "replaced", "cancelled", "failed", "alerts", "closes", "pass_failures")


class ProtectionCollector(Collector):
    def __init__(self, stats: Callable[[], ProtectionStats]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[CounterMetricFamily]:
        stats = self._stats()
        actions = CounterMetricFamily(
            "perps_protection",
            "Protective order actions: placed, replaced, cancelled, failed placements, alerts, "
            "bot-side closes, passes that could not complete",
            labels=["action"],
        )
        for name in _ACTIONS:
            actions.add_metric([name], float(getattr(stats, name)))
        yield actions
        exits = CounterMetricFamily(
            "perps_protection_exits", "Positions (or parts) closed, by exit kind", labels=["kind"]
        )
        for kind, count in sorted(stats.exits.items()):
            exits.add_metric([kind], float(count))
        yield exits
