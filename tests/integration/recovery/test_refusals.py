"""State the bot must not use, met by the real command: each gives one clear line on stderr, exit
code 1, no traceback, and leaves the data exactly as it was. A second bot on the same data
directory is refused by the lock while the first runs on untouched."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot_v2.adapters.storage.sqlite.schema import SCHEMA_VERSION
from tests.integration.recovery._harness import (
    BIN,
    Rig,
    environment,
    kill,
    make_rig,
    start,
    wait_for,
)


def run(rig: Rig, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "--profile", "dev", "--config", str(rig.config), *extra],
        capture_output=True,
        text=True,
        env=environment(),
        cwd=rig.root,
        timeout=120,
    )


def digest(directory: Path) -> dict[str, tuple[int, int, str]]:
    """Every file of the data directory, its bytes and its modification time: the lock file, the
    -wal and SQLite's -shm index included. A refused start writes none of them."""
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


@pytest.fixture(scope="module")
def traded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """A data directory with a few hundred cycles of trading in it, made once."""
    rig = make_rig(tmp_path_factory.mktemp("traded"), candles=400)
    done = run(rig, "--cycles", "300", "--set", "replay.pace_ms=0")
    assert done.returncode == 0, done.stderr
    yield rig


def copy_of(rig: Rig, tmp_path: Path) -> Rig:
    clone = make_rig(tmp_path, candles=400)
    clone.data_dir.mkdir()
    for part in rig.data_dir.iterdir():  # all of it: the lock file a previous run left too
        if part.is_file():  # the run's logs/ folder is no part of the state
            (clone.data_dir / part.name).write_bytes(part.read_bytes())
    clone.exchange_db.write_bytes(rig.exchange_db.read_bytes())
    return clone


def refused(rig: Rig, expected: str) -> str:
    before = digest(rig.data_dir)
    result = run(rig, "--cycles", "5", "--set", "replay.pace_ms=0")
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("perps-bot: error: "), result.stderr
    assert expected in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    assert digest(rig.data_dir) == before
    for lossy in ("move it away", "start with no state", "writable"):
        assert lossy not in lines[0], lines[0]
    return lines[0]


def test_a_truncated_database_is_refused(traded: Rig, tmp_path: Path) -> None:
    rig = copy_of(traded, tmp_path)
    size = rig.state_db.stat().st_size
    with rig.state_db.open("r+b") as f:
        f.truncate(size // 2)
    line = refused(rig, "is truncated")
    assert str(rig.state_db) in line


def test_a_database_from_a_newer_schema_is_refused(traded: Rig, tmp_path: Path) -> None:
    rig = copy_of(traded, tmp_path)
    db = sqlite3.connect(rig.state_db)
    db.execute("UPDATE schema_version SET version=?", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    refused(rig, f"schema version {SCHEMA_VERSION + 1}, newer than this bot's")


def test_a_damaged_schema_version_is_refused_untouched(traded: Rig, tmp_path: Path) -> None:
    rig = copy_of(traded, tmp_path)
    db = sqlite3.connect(rig.state_db)
    db.execute("DROP TABLE schema_version")
    db.commit()
    db.close()
    refused(rig, "no schema version record (the record is damaged): restore a backup")


def test_a_deleted_database_is_not_silently_restarted_from_its_wal(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, candles=100)
    rig.data_dir.mkdir()
    Path(f"{rig.state_db}-wal").write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 60)
    refused(rig, "missing but its write-ahead log")


@contextmanager
def unwritable(directory: Path) -> Iterator[None]:
    """A directory this process's children cannot write: chmod for a user, the immutable flag for
    root (who ignores modes); skipped where neither is possible."""
    directory.mkdir()
    if os.geteuid() != 0:
        directory.chmod(0o555)
        try:
            yield
        finally:
            directory.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(directory)], capture_output=True).returncode != 0:
        pytest.skip("root cannot make a directory unwritable here (no chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(directory)], check=True)


def test_an_unwritable_data_directory_is_refused(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, candles=100)
    with unwritable(rig.data_dir):
        result = run(rig, "--cycles", "5")
        assert result.returncode == 1, result
        line = result.stderr.strip()
        assert line.startswith(f"perps-bot: error: data directory {rig.data_dir} is not writable (")
        assert "\n" not in line and "Traceback" not in line
        assert list(rig.data_dir.iterdir()) == []


def test_a_second_bot_on_the_same_data_directory_is_refused(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, candles=400)
    log = tmp_path / "first.log"
    first = start(rig, 20, log)
    try:
        assert wait_for(first, log, "health http://", timeout_s=60)
        second = run(rig, "--cycles", "5", "--set", "replay.pace_ms=0")
        assert second.returncode == 1
        assert second.stderr.strip() == (
            f"perps-bot: error: data directory {rig.data_dir} is in use by another perps-bot "
            f"(pid {first.pid}) holding bot.lock; stop it first, or give this one another "
            "bot.data_dir"
        )
        assert first.poll() is None, "the first bot must run on"
    finally:
        kill(first)
    # The first bot's state is whole: a restart reconciles it and runs on.
    after = run(rig, "--cycles", "20", "--set", "replay.pace_ms=0")
    assert after.returncode == 0, after.stderr
