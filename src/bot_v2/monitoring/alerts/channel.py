"""DeliveryChannel: one notifier's bounded queue and the background thread that empties it.

`put` only appends under a lock, so the cycle never waits for a chat service. When the queue is
full the oldest alert is dropped (and counted): the newest say most about the bot now. The worker
paces sends to the rate limit (a token bucket, so a burst of `rate_per_min` goes at once), retries
a failed send with exponential backoff or the wait the service asked for (429 Retry-After), and
after `max_attempts` counts the alert failed and marks the notifier failing until a send succeeds.
Nothing a notifier raises ends the worker."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

import attrs

from bot_v2.ports.notifier import Alert, INotifier, NotifierError

log = logging.getLogger(__name__)


@attrs.frozen
class DeliveryPolicy:
    rate_per_min: int = 20
    max_attempts: int = 5
    backoff_s: float = 1.0
    backoff_max_s: float = 60.0
    queue_size: int = 100


@attrs.frozen
class ChannelStatus:
    name: str
    sent: int
    failed: int
    dropped: int
    retries: int
    queued: int
    failing: bool
    last_error: str


class DeliveryChannel:
    def __init__(
        self,
        notifier: INotifier,
        policy: DeliveryPolicy,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.notifier = notifier
        self.name = notifier.name
        self.policy = policy
        self.on_change = on_change
        self._queue: deque[Alert] = deque()
        self._cond = threading.Condition()
        # Set by close(): the worker sends what is queued until then, and gives up after it.
        self._deadline: float | None = None
        self._tokens = float(policy.rate_per_min)
        self._refilled = time.monotonic()
        self._sent = self._failed = self._dropped = self._retries = 0
        self._failing = False
        self._last_error = ""
        self._thread = threading.Thread(target=self._run, name=f"alerts-{self.name}", daemon=True)

    # -- the bot's side ---------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def put(self, alert: Alert) -> None:
        with self._cond:
            if self._deadline is not None:
                self._dropped += 1
                return
            dropped = len(self._queue) >= self.policy.queue_size
            if dropped:
                self._queue.popleft()
                self._dropped += 1
            self._queue.append(alert)
            self._cond.notify()
        if dropped:
            log.warning("alerts to %s: queue full, oldest alert dropped", self.name)
            self.on_change()

    def close(self, timeout_s: float) -> None:
        """Send what is queued for up to `timeout_s`, then stop; what is left is counted dropped."""
        with self._cond:
            self._deadline = time.monotonic() + timeout_s
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout_s + 1.0)
        with self._cond:
            self._dropped += len(self._queue)
            self._queue.clear()
        self.notifier.close()

    def status(self) -> ChannelStatus:
        with self._cond:
            return ChannelStatus(
                name=self.name,
                sent=self._sent,
                failed=self._failed,
                dropped=self._dropped,
                retries=self._retries,
                queued=len(self._queue),
                failing=self._failing,
                last_error=self._last_error,
            )

    # -- the worker -------------------------------------------------------------------------------
    def _run(self) -> None:
        while (alert := self._next()) is not None:
            if self._pace():
                self._deliver(alert)
            else:
                with self._cond:
                    self._dropped += 1

    def _next(self) -> Alert | None:
        with self._cond:
            while not self._queue:
                if self._deadline is not None:
                    return None
                self._cond.wait()
            if self._deadline is not None and time.monotonic() >= self._deadline:
                return None
            return self._queue.popleft()

    def _pace(self) -> bool:
        """Take a token, waiting for one if the rate limit is used up; False when stopping first."""
        rate = self.policy.rate_per_min / 60.0
        while True:
            now = time.monotonic()
            self._tokens = min(
                float(self.policy.rate_per_min), self._tokens + (now - self._refilled) * rate
            )
            self._refilled = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            if not self._sleep((1.0 - self._tokens) / rate):
                return False

    def _deliver(self, alert: Alert) -> None:
        policy = self.policy
        error = ""
        for attempt in range(1, policy.max_attempts + 1):
            try:
                self.notifier.send(alert)
            except NotifierError as exc:
                error = str(exc)
                if not exc.retryable or attempt == policy.max_attempts:
                    break
                delay = exc.retry_after_s
                if delay is None:
                    delay = min(policy.backoff_max_s, policy.backoff_s * 2 ** (attempt - 1))
                with self._cond:
                    self._retries += 1
                log.warning(
                    "alert %s to %s: attempt %d of %d failed, next in %.3gs: %s",
                    alert.kind, self.name, attempt, policy.max_attempts, delay, error,
                )  # fmt: skip
                if not self._sleep(delay):
                    break
            except Exception as exc:  # a notifier's bug must not end the worker, nor leak its text
                error = f"{self.name}: unexpected {type(exc).__name__}"
                break
            else:
                self._settle(sent=True, error="")
                return
        log.error("alert %s to %s not delivered: %s", alert.kind, self.name, error)
        self._settle(sent=False, error=error)

    def _settle(self, *, sent: bool, error: str) -> None:
        with self._cond:
            if sent:
                self._sent += 1
            else:
                self._failed += 1
                self._last_error = error
            self._failing = not sent
        # Every outcome, so /health's counts are current (a few a minute at most: the rate limit).
        self.on_change()

    def _sleep(self, seconds: float) -> bool:
        """Wait `seconds`, or less once close() set a deadline; False when the deadline came first."""
        end = time.monotonic() + seconds
        with self._cond:
            while True:
                limit = end if self._deadline is None else min(end, self._deadline)
                left = limit - time.monotonic()
                if left <= 0:
                    return self._deadline is None or end <= self._deadline
                self._cond.wait(left)
