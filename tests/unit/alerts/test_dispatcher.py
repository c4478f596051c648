"""The dispatcher and its channels, with a recording notifier standing in for a service (the
services themselves are tested against loopback receivers in tests/integration/alerts): severity
filter, dedup window, the rate limit pacing sends, a full queue dropping the oldest, retries."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from bot_v2.monitoring.alerts.channel import DeliveryChannel, DeliveryPolicy
from bot_v2.monitoring.alerts.dispatcher import AlertDispatcher
from bot_v2.ports.notifier import Alert, NotifierError, Severity


class Recording:
    name = "recording"

    def __init__(self, failures: list[NotifierError] | None = None) -> None:
        self.sent: list[Alert] = []
        self.failures = list(failures or [])
        self.closed = False
        self.arrived = threading.Condition()

    def send(self, alert: Alert) -> None:
        if self.failures:
            raise self.failures.pop(0)
        with self.arrived:
            self.sent.append(alert)
            self.arrived.notify_all()

    def wait_for(self, count: int) -> None:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.sent) >= count, timeout=30)

    def close(self) -> None:
        self.closed = True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def alert(n: int, severity: Severity = Severity.INFO, key: str = "") -> Alert:
    return Alert("test", severity, f"alert {n}", at_ms=n, key=key)


def test_alerts_below_the_minimum_severity_are_not_sent() -> None:
    channel = DeliveryChannel(Recording(), DeliveryPolicy())
    dispatcher = AlertDispatcher([channel], min_severity=Severity.WARNING)
    assert not dispatcher.emit(alert(1, Severity.INFO))
    assert dispatcher.emit(alert(2, Severity.WARNING))
    assert dispatcher.emit(alert(3, Severity.CRITICAL))
    assert channel.status().queued == 2


def test_a_repeat_within_the_window_is_sent_once_and_again_after_it() -> None:
    clock = Clock()
    channel = DeliveryChannel(Recording(), DeliveryPolicy())
    dispatcher = AlertDispatcher([channel], dedup_window_s=60, monotonic=clock)
    assert dispatcher.emit(alert(1, key="stream_down:binanceusdm"))
    clock.now += 59
    assert not dispatcher.emit(alert(2, key="stream_down:binanceusdm"))
    assert dispatcher.emit(alert(3, key="other"))
    clock.now += 1
    assert dispatcher.emit(alert(4, key="stream_down:binanceusdm"))
    assert dispatcher.deduplicated == 1
    assert channel.status().queued == 3


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 50)), max_size=40))
def test_dedup_sends_a_key_only_once_per_window(events: list[tuple[str, int]]) -> None:
    clock = Clock()
    dispatcher = AlertDispatcher([], dedup_window_s=10, monotonic=clock)
    last: dict[str, float] = {}
    for key, step in events:
        clock.now += step
        expected = key not in last or clock.now - last[key] >= 10
        if expected:
            last[key] = clock.now
        assert dispatcher.emit(alert(0, key=key)) == expected


def test_a_full_queue_drops_the_oldest_and_counts_it() -> None:
    channel = DeliveryChannel(Recording(), DeliveryPolicy(queue_size=3))  # not started
    dispatcher = AlertDispatcher([channel], dedup_window_s=0)
    for n in range(5):
        dispatcher.emit(alert(n))
    status = channel.status()
    assert (status.queued, status.dropped) == (3, 2)
    notifier = Recording()
    channel.notifier = notifier
    channel.start()
    notifier.wait_for(3)
    channel.close(5)
    assert [a.title for a in notifier.sent] == ["alert 2", "alert 3", "alert 4"]


def test_the_rate_limit_paces_sends_and_what_waits_at_stop_is_counted_dropped() -> None:
    notifier = Recording()
    # Two a minute: a burst of two goes at once, the third waits 30 s for its turn.
    channel = DeliveryChannel(notifier, DeliveryPolicy(rate_per_min=2))
    dispatcher = AlertDispatcher([channel], dedup_window_s=0)
    dispatcher.start()
    for n in range(5):
        dispatcher.emit(alert(n))
    notifier.wait_for(2)
    dispatcher.close(0.2)
    assert [a.title for a in notifier.sent] == ["alert 0", "alert 1"]
    status = channel.status()
    assert (status.sent, status.dropped, status.queued) == (2, 3, 0)
    assert notifier.closed


def test_retryable_failures_are_retried_then_the_notifier_is_failing_until_a_send_works() -> None:
    failures = [NotifierError("recording: HTTP 503")] * 3 + [
        NotifierError("HTTP 400", retryable=False)
    ]
    notifier = Recording(failures)
    policy = DeliveryPolicy(max_attempts=3, backoff_s=0.001, backoff_max_s=0.002)
    channel = DeliveryChannel(notifier, policy)
    dispatcher = AlertDispatcher([channel], dedup_window_s=0)
    published: list[dict[str, object]] = []
    dispatcher.publish_to(published.append)
    dispatcher.start()
    dispatcher.emit(alert(1))  # three 503s: failed
    dispatcher.emit(alert(2))  # a 400: failed at once, not retried
    dispatcher.emit(alert(3))  # delivered
    notifier.wait_for(1)
    dispatcher.close(5)
    status = channel.status()
    assert (status.sent, status.failed, status.retries) == (1, 2, 2)
    assert not status.failing
    degraded = [p for p in published if p["status"] == "degraded"]
    assert degraded and degraded[0]["reasons"] == ["recording failing: recording: HTTP 503"]
    assert published[-1]["status"] == "ok"


def test_a_notifier_that_raises_anything_else_does_not_end_the_worker() -> None:
    class Broken(Recording):
        def send(self, alert: Alert) -> None:
            if alert.at_ms == 1:
                raise RuntimeError("boom with https://hooks.example/secret")
            super().send(alert)

    notifier = Broken()
    channel = DeliveryChannel(notifier, DeliveryPolicy())
    dispatcher = AlertDispatcher([channel], dedup_window_s=0)
    dispatcher.start()
    dispatcher.emit(alert(1))
    dispatcher.emit(alert(2))
    notifier.wait_for(1)
    dispatcher.close(5)
    status = channel.status()
    assert (status.sent, status.failed) == (1, 1)
    assert status.last_error == "recording: unexpected RuntimeError"
