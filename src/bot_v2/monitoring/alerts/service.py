"""AlertService: a run's alerts as one object the container builds and the CLI closes: the
dispatcher (and its notifiers' workers) and the stream watch."""

from __future__ import annotations

from collections.abc import Callable

from bot_v2.monitoring.alerts.dispatcher import AlertDispatcher
from bot_v2.monitoring.alerts.stream_watch import StreamWatch
from bot_v2.ports.notifier import Alert, Severity


class AlertService:
    def __init__(self, dispatcher: AlertDispatcher, watch: StreamWatch | None = None) -> None:
        self.dispatcher = dispatcher
        self._watch = watch
        self._closed = False

    def start(self) -> None:
        self.dispatcher.start()
        if self._watch is not None:
            self._watch.start()

    def fatal(self, error: BaseException, at_ms: int, clean: Callable[[str], str]) -> None:
        """The run ends on an error nobody handled: say so (its text redacted by `clean`)."""
        text = clean(f"{type(error).__name__}: {error}")
        self.dispatcher.emit(
            Alert("fatal", Severity.CRITICAL, "the bot stopped on an error", text, at_ms)
        )

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop watching, deliver what is queued within `timeout_s`, release the clients."""
        if self._closed:
            return
        self._closed = True
        if self._watch is not None:
            self._watch.close()
        self.dispatcher.close(timeout_s)
