"""A stream unhealthy for longer than the threshold raises one stream_down per outage (saying when
it is on its REST fallback), and one stream_recovered when it is healthy again."""

from __future__ import annotations

from bot_v2.features.streaming.counters import StreamStats
from bot_v2.monitoring.alerts.stream_watch import StreamWatch
from tests.unit.alerts.test_dispatcher import Clock
from tests.unit.alerts.test_journal_tap import Captured


def test_one_alert_per_outage_after_the_threshold_and_one_on_recovery() -> None:
    clock = Clock()
    state = {"stats": StreamStats(connected=True, healthy=True)}
    captured = Captured()
    watch = StreamWatch([("binanceusdm", lambda: state["stats"])], captured, 60, monotonic=clock)
    watch.check()
    state["stats"] = StreamStats(fallback_active=True, reconnects=3)
    watch.check()
    clock.now += 59
    watch.check()
    assert captured.kinds() == []
    clock.now += 1
    watch.check()
    clock.now += 600
    watch.check()
    assert captured.kinds() == ["stream_down"]
    assert captured.alerts[0].title == "stream binanceusdm on its REST fallback for over 60s"
    state["stats"] = StreamStats(connected=True, healthy=True)
    watch.check()
    watch.check()
    assert captured.kinds() == ["stream_down", "stream_recovered"]
    # A short blip later is no outage.
    state["stats"] = StreamStats()
    watch.check()
    clock.now += 30
    watch.check()
    assert captured.kinds() == ["stream_down", "stream_recovered"]
