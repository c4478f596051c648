"""Where venue history starts: the bot's first start less `broker.history_lookback_s`, stored in
the state on that first start and kept across restarts. Dev replays against the real sim broker,
wrapped to record what the lifecycle tells a venue broker (the sim reads no venue history)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from dependency_injector import providers

from bot_v2.orchestration.builders import PerpsBotBuilder, make_container
from bot_v2.orchestration.config import load_config


class RecordingBroker:
    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.starts: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def set_history_start(self, start_ms: int) -> None:
        self.starts.append(start_ms)


def run_dev(data_dir: Path, cycles: int) -> tuple[RecordingBroker, int]:
    loaded = load_config(
        "dev",
        None,
        {},
        [
            f"bot.data_dir={data_dir}",
            "monitoring.http_port=0",
            "replay.pace_ms=0",
            "broker.history_lookback_s=600",
        ],
    )
    container = make_container(loaded.config, loaded.secrets, data_dir)
    recording = RecordingBroker(container.broker())
    container.broker.override(providers.Object(recording))
    clock = container.clock()
    bot = PerpsBotBuilder(container, write=lambda _line: None).build()
    started_at = clock.now_ms()
    asyncio.run(bot.run(cycles))
    return recording, started_at


def stored_start(data_dir: Path) -> str | None:
    with contextlib.closing(sqlite3.connect(data_dir / "state.db")) as db:
        row = db.execute("SELECT value FROM meta WHERE key = 'history_start_ms'").fetchone()
    return None if row is None else str(row[0])


def test_history_starts_at_the_first_start_less_the_look_back_and_keeps_it(
    tmp_path: Path,
) -> None:
    first, started_at = run_dev(tmp_path, 30)
    assert first.starts == [started_at - 600_000]
    assert stored_start(tmp_path) == str(first.starts[0])
    again, _ = run_dev(tmp_path, 30)  # a restart, later on the replay's clock
    assert again.starts == first.starts


def test_a_state_from_before_the_key_with_orders_in_it_reads_all_history(tmp_path: Path) -> None:
    run_dev(tmp_path, 300)
    with contextlib.closing(sqlite3.connect(tmp_path / "state.db")) as db, db:
        db.execute("DELETE FROM meta WHERE key = 'history_start_ms'")
        intents = db.execute("SELECT COUNT(*) FROM intents").fetchone()[0]
    assert intents > 0
    upgraded, _ = run_dev(tmp_path, 30)
    assert upgraded.starts == [0]
    assert stored_start(tmp_path) == "0"
