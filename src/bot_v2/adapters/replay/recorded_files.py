"""A download directory (IRecordedData): the series files, the venue's market snapshot and the
manifest, laid out as `layout.py` says. JSON files are replaced whole (written aside, fsynced,
renamed); series files are appended as `series_file.py` describes."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot_v2.adapters.replay.layout import HEADERS, MANIFEST_NAME, series_path
from bot_v2.adapters.replay.market_snapshot import SNAPSHOT_NAME, snapshot_entry
from bot_v2.adapters.replay.series_file import CsvSeriesFile, _write_atomically
from bot_v2.domain.errors import ConfigError
from bot_v2.domain.market import MarketSpec
from bot_v2.ports.market_data import SeriesKind


class RecordedFiles:
    def __init__(self, out: Path, exchange_id: str) -> None:
        self.out = out
        self.venue_dir = out / exchange_id
        self._lock_fd: int | None = None

    def describe(self) -> str:
        return str(self.venue_dir)

    def check_writable(self) -> None:
        """The directory, or the nearest one that exists on its way, must be a writable directory."""
        probe = self.venue_dir
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not probe.is_dir():
            raise ConfigError([f"--out: {probe} is not a directory"])
        if not os.access(probe, os.W_OK | os.X_OK):
            raise ConfigError([f"--out: cannot write in {probe} (permission denied)"])

    def lock(self) -> None:
        """One download per directory: an advisory lock on it, which the kernel drops when the
        process ends however it ends (SIGKILL included), so no stale lock is ever left."""
        self.venue_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.venue_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(
                [f"--out: another download is writing {self.venue_dir}; wait for it to end"]
            ) from None
        self._lock_fd = fd

    def release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor drops the flock
            self._lock_fd = None

    def series(self, symbol: str, kind: SeriesKind, timeframe: str) -> CsvSeriesFile:
        return CsvSeriesFile(series_path(self.venue_dir, symbol, kind, timeframe), HEADERS[kind])

    def write_markets(
        self, exchange_id: str, specs: Mapping[str, MarketSpec], fetched_at_ms: int
    ) -> str:
        path = self.venue_dir / SNAPSHOT_NAME
        markets: dict[str, Any] = {}
        if path.is_file():
            try:
                markets = dict(json.loads(path.read_text(encoding="utf-8")).get("markets") or {})
            except (ValueError, AttributeError):
                markets = {}  # a snapshot we cannot read is replaced by the fresh one
        markets.update({symbol: snapshot_entry(spec) for symbol, spec in specs.items()})
        snapshot = {
            "venue": exchange_id,
            "fetched_at": _iso(fetched_at_ms),
            "markets": dict(sorted(markets.items())),
        }
        _write_json(path, snapshot)
        return str(path)

    def read_manifest(self) -> Mapping[str, Any] | None:
        path = self.venue_dir / MANIFEST_NAME
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # no manifest, or not one: resume from the files' own tails
        return body if isinstance(body, dict) else None

    def write_manifest(self, manifest: Mapping[str, Any]) -> str:
        path = self.venue_dir / MANIFEST_NAME
        body = dict(manifest)
        body["fetched_at"] = _iso(int(body.get("fetched_at_ms") or 0))
        _write_json(path, body)
        return str(path)


def _write_json(path: Path, body: Mapping[str, Any]) -> None:
    _write_atomically(path, (json.dumps(body, indent=1) + "\n").encode())


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
