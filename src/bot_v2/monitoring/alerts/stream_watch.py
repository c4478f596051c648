"""StreamWatch: a stream that has not been healthy (down, or serving marks from its REST fallback)
for longer than `after_s` raises one `stream_down` alert per outage; healthy again, one
`stream_recovered`. It polls the streams' stats on its own thread, so the cycle does nothing for
it, and it times outages on the wall clock (a stream is a live thing; a replay has none)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from bot_v2.features.streaming.counters import StreamStats
from bot_v2.monitoring.alerts.dispatcher import AlertDispatcher
from bot_v2.ports.notifier import Alert, Severity

StatsSource = Callable[[], StreamStats]


class StreamWatch:
    def __init__(
        self,
        sources: Sequence[tuple[str, StatsSource]],
        alerts: AlertDispatcher,
        after_s: float,
        poll_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self._sources = tuple(sources)
        self._alerts = alerts
        self._after_s = after_s
        self._poll_s = poll_s
        self._monotonic = monotonic
        self._wall_ms = wall_ms
        # Per stream: since when it has been unhealthy, and whether that outage was announced.
        self._down_since: dict[str, float] = {}
        self._announced: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alerts-streams", daemon=True)

    def start(self) -> None:
        if self._sources:
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self._poll_s + 1.0)

    def _run(self) -> None:
        while not self._stop.wait(self._poll_s):
            self.check()

    def check(self) -> None:
        now = self._monotonic()
        for name, stats in self._sources:
            state = stats()
            if state.healthy:
                self._down_since.pop(name, None)
                if name in self._announced:
                    self._announced.discard(name)
                    self._alerts.emit(
                        Alert(
                            "stream_recovered",
                            Severity.INFO,
                            f"stream {name} healthy again",
                            at_ms=self._wall_ms(),
                            key=f"stream_recovered:{name}:{self._wall_ms()}",
                        )
                    )
                continue
            since = self._down_since.setdefault(name, now)
            if name not in self._announced and now - since >= self._after_s:
                self._announced.add(name)
                how = "on its REST fallback" if state.fallback_active else "down"
                self._alerts.emit(
                    Alert(
                        "stream_down",
                        Severity.WARNING,
                        f"stream {name} {how} for over {self._after_s:g}s",
                        f"connected: {state.connected}, reconnects: {state.reconnects}, "
                        f"connect failures: {state.connect_failures}",
                        self._wall_ms(),
                        key=f"stream_down:{name}:{self._wall_ms()}",
                    )
                )
