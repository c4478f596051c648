"""The two hand-overs between the operator API's thread and the trading loop, each behind a lock:
ControlQueue (IControls: commands in, drained by the runtime between cycles) and SnapshotBoard
(IOperatorView: the frozen snapshot the runtime publishes after each cycle). Neither blocks the loop
for longer than a list swap or a reference assignment."""

from __future__ import annotations

import threading
from concurrent.futures import Future

from bot_v2.ports.control import ControlCommand, ControlResult, RuntimeSnapshot

# More pending commands than this is no operator at work: the next ones are refused at once.
MAX_PENDING = 64

Pending = tuple[ControlCommand, "Future[ControlResult]"]


class ControlQueue:
    def __init__(self, max_pending: int = MAX_PENDING) -> None:
        self._lock = threading.Lock()
        self._items: list[Pending] = []
        self._max = max_pending
        self._closed = ""

    def submit(self, command: ControlCommand) -> Future[ControlResult]:
        future: Future[ControlResult] = Future()
        with self._lock:
            refused = self._closed or (
                f"{len(self._items)} controls already wait for the next cycle"
                if len(self._items) >= self._max
                else ""
            )
            if not refused:
                self._items.append((command, future))
        if refused:
            future.set_result(ControlResult(command.action, "refused", refused))
        return future

    def take(self) -> list[Pending]:
        """Every pending command, oldest first; the queue is empty afterwards."""
        with self._lock:
            items, self._items = self._items, []
        return items

    def close(self, reason: str) -> None:
        """The run is over: refuse what waits and whatever comes later."""
        with self._lock:
            self._closed = reason
            items, self._items = self._items, []
        for command, future in items:
            future.set_result(ControlResult(command.action, "refused", reason))


class SnapshotBoard:
    def __init__(self) -> None:
        self._snapshot = RuntimeSnapshot()

    def publish(self, snapshot: RuntimeSnapshot) -> None:
        # One reference assignment: a reader sees the old snapshot or the new one, never half.
        self._snapshot = snapshot

    def snapshot(self) -> RuntimeSnapshot:
        return self._snapshot
