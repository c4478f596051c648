"""Ray: a local instance with --jobs CPUs, or an existing cluster at --ray-address, the same code
for both. The recorded market goes into Ray's object store once per run; every task reads it from
there (zero-copy numpy arrays on the same machine), never from the CSV files again. A worker that
dies takes its task with it and Ray runs the task again (max_retries), so a run loses at most the
trial that was on it."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.domain.errors import ConfigError
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.optimize.window import WindowOutcome, run_window

# Ray retries a task whose worker died this many times before the trial counts as failed.
TASK_RETRIES = 3
CONNECT_TIMEOUT_S = 5.0


def _remote_window(
    feed: ReplayFeed,
    config: BotConfig,
    params: Mapping[str, object],
    start_ms: int,
    end_ms: int,
    keep_curve: bool,
) -> WindowOutcome:
    return run_window(feed, config, params, start_ms, end_ms, keep_curve)


class RayPool:
    """Runs windows as Ray tasks; `start` connects or starts Ray, `close` lets go of it."""

    def __init__(self, jobs: int | None, address: str | None) -> None:
        # Trials in flight at once (the batch size); None: every CPU Ray finds (it reads the
        # container's CPU limit, which os.cpu_count does not).
        self.jobs = jobs or 1
        self._jobs_given = jobs is not None
        self.address = address
        self._feed_ref: Any = None
        self._task: Any = None
        self._ray: Any = None

    def start(self, feed: ReplayFeed) -> None:
        if self.address:
            check_reachable(self.address)
        import ray  # imported here: `perps-bot --help` and the other commands do not pay for it

        self._ray = ray
        # Ray's own logs stay out of the terminal table; warnings still reach stderr.
        os.environ.setdefault("RAY_DEDUP_LOGS", "0")
        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "logging_level": logging.WARNING,
            "configure_logging": False,
        }
        try:
            if self.address:
                ray.init(address=self.address, **kwargs)
            else:
                # "local": a fresh instance even when `ray start` left one running on this machine.
                cpus = self.jobs if self._jobs_given else None
                ray.init(address="local", num_cpus=cpus, **kwargs)
        except (ConnectionError, TimeoutError, RuntimeError) as exc:
            where = self.address or "a local instance"
            raise ConfigError(
                [f"--ray-address: cannot start or reach Ray at {where}: {exc}"]
            ) from exc
        if not self._jobs_given:
            self.jobs = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._task = ray.remote(num_cpus=1, max_retries=TASK_RETRIES)(_remote_window)
        self._feed_ref = ray.put(feed)

    def submit(
        self,
        config: BotConfig,
        params: Mapping[str, object],
        start_ms: int,
        end_ms: int,
        keep_curve: bool = False,
    ) -> Any:
        return self._task.remote(self._feed_ref, config, params, start_ms, end_ms, keep_curve)

    def gather(self, refs: Sequence[Any]) -> list[WindowOutcome | Exception]:
        """Each task's outcome, or the error that ended it after its retries (that trial fails,
        the others go on)."""
        out: list[WindowOutcome | Exception] = []
        for ref in refs:
            try:
                out.append(self._ray.get(ref))
            except Exception as exc:  # a task's own error, re-raised by Ray around it
                out.append(exc)
        return out

    def close(self) -> None:
        if self._ray is not None and self._ray.is_initialized():
            self._ray.shutdown()


def check_reachable(address: str) -> None:
    """Refuse, in one line and within seconds, an address nothing answers at: ray.init would
    otherwise retry for minutes. Takes ray://host:port (Ray Client), host:port (GCS) or auto."""
    if address == "auto":
        return
    parts = urlsplit(address if "://" in address else f"gcs://{address}")
    host, port = parts.hostname, parts.port
    if not host or port is None:
        raise ConfigError(
            [f"--ray-address: expected ray://host:port or host:port, got {address!r}"]
        )
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            return
    except OSError as exc:
        raise ConfigError(
            [f"--ray-address: nothing answers at {host}:{port} ({exc.strerror or exc})"]
        ) from exc
