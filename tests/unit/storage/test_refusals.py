"""State that cannot be used safely is refused with one clear line, and left byte for byte as it was:
truncated, empty, not SQLite, corrupt inside, from a newer schema, a deleted database whose WAL
remains; and the data-directory lock refuses a second holder."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path

import pytest

from bot_v2.adapters.storage.lock import DataDirLock
from bot_v2.adapters.storage.sqlite.schema import SCHEMA_VERSION
from bot_v2.domain.errors import StateError
from tests.unit.storage._support import digest, fill, open_store, snapshot


def populated(path: Path, fills: int = 400) -> Path:
    store = open_store(path)
    for i in range(fills):
        store.record_fill(fill(f"f{i}", ts=i))
        store.record_event(i, "note", "x" * 200)
    store.close()  # a clean close checkpoints the WAL into the main file
    return path


def refused(path: Path, match: str) -> str:
    before = digest(path)
    files = snapshot(path.parent)
    with pytest.raises(StateError, match=match) as info:
        open_store(path)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    assert digest(path) == before
    assert snapshot(path.parent) == files, "a refusal wrote beside the database"
    # Never advice that throws the intents away, nor a guess about permissions.
    for lossy in ("move it away", "start with no state", "writable"):
        assert lossy not in message, message
    return message


def set_version(path: Path, sql: str, *params: object) -> None:
    db = sqlite3.connect(path)
    db.execute(sql, params)
    db.commit()
    db.close()


def test_a_version_record_that_is_not_a_number_is_refused_as_damaged(tmp_path: Path) -> None:
    path = populated(tmp_path / "state.db", fills=3)
    set_version(path, "UPDATE schema_version SET version='two'")
    refused(path, r"damaged schema version record \('two'")


def test_a_lost_version_record_is_refused_not_migrated_over(tmp_path: Path) -> None:
    path = populated(tmp_path / "state.db", fills=3)
    set_version(path, "DROP TABLE schema_version")
    refused(path, "tables of a perps-bot state database but no schema version record")


def test_a_version_record_that_disagrees_with_the_tables_is_refused(tmp_path: Path) -> None:
    path = populated(tmp_path / "state.db", fills=3)
    set_version(path, "UPDATE schema_version SET version=1")
    message = refused(path, "records schema version 1 but its tables do not match it")
    assert "positions" in message


def test_a_refusal_with_commits_still_in_the_log_leaves_the_log_and_index_alone(
    tmp_path: Path,
) -> None:
    """A killed bot leaves its last commits in the -wal; reading them must not touch either file."""
    live = tmp_path / "live"
    store = open_store(live / "state.db")
    store.record_fill(fill("f1"))
    store.db.execute("UPDATE schema_version SET version=?", (SCHEMA_VERSION + 1,))
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for part in live.iterdir():  # the files as a kill -9 leaves them, before the closing checkpoint
        (crashed / part.name).write_bytes(part.read_bytes())
    store.close()
    assert Path(crashed / "state.db-wal").stat().st_size > 0
    refused(crashed / "state.db", "newer than this bot's")


def test_a_truncated_database_is_refused_untouched(tmp_path: Path) -> None:
    path = populated(tmp_path / "state.db")
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.truncate(size // 2)
    refused(path, "truncated")


def test_a_database_cut_at_a_page_boundary_is_still_caught(tmp_path: Path) -> None:
    path = populated(tmp_path / "state.db")
    page = int.from_bytes(path.read_bytes()[16:18], "big")
    with path.open("r+b") as f:
        f.truncate(page * 3)
    refused(path, "truncated|corrupt")


def test_an_empty_file_is_refused_not_taken_for_a_fresh_start(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"")
    refused(path, "empty")


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"not a database at all, just text" * 200)
    refused(path, "not a SQLite database")


def test_corruption_inside_is_refused(tmp_path: Path) -> None:
    path = populated(tmp_path / "state.db")
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for offset in range(page * 2, page * 2 + 64):  # scribble over a b-tree page header
        data[offset] = 0xFF
    path.write_bytes(bytes(data))
    refused(path, "corrupt")


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = populated(tmp_path / "state.db", fills=3)
    db = sqlite3.connect(path)
    db.execute("UPDATE schema_version SET version=?", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    refused(path, f"schema version {SCHEMA_VERSION + 1}, newer than this bot's {SCHEMA_VERSION}")


def test_a_deleted_database_whose_wal_remains_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = open_store(path)
    store.record_fill(fill("f1"))
    # Copy the live WAL aside before closing (closing checkpoints it away), as a crash would leave it.
    wal = Path(f"{path}-wal").read_bytes()
    store.close()
    path.unlink()
    Path(f"{path}-wal").write_bytes(wal)
    with pytest.raises(StateError, match="missing but its write-ahead log"):
        open_store(path)
    assert not path.exists()


def test_a_fresh_directory_starts_empty(tmp_path: Path) -> None:
    store = open_store(tmp_path / "new" / "state.db")
    assert store.decision_count() == 0


def test_one_lock_holder_per_data_directory(tmp_path: Path) -> None:
    held = rf"in use by another perps-bot \(pid {os.getpid()}\)"
    with DataDirLock(tmp_path / "data"), pytest.raises(StateError, match=held):
        DataDirLock(tmp_path / "data").acquire()
    with DataDirLock(tmp_path / "data"):  # released on exit, so the next run gets it
        pass


def test_taking_the_lock_writes_nothing_until_the_start_goes_ahead(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "bot.lock").write_text("12345\n")  # left by an earlier run
    files = snapshot(data)
    lock = DataDirLock(data)
    lock.acquire(announce=False)
    try:
        assert snapshot(data) == files
        with pytest.raises(StateError, match=r"\(pid 12345\)"):
            DataDirLock(data).acquire()
        lock.announce()
        assert (data / "bot.lock").read_text() == f"{os.getpid()}\n"
    finally:
        lock.release()


def test_a_bot_of_an_earlier_version_holding_only_the_lock_file_keeps_a_new_one_out(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    fd = os.open(data / "bot.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what the earlier version holds
        with pytest.raises(StateError, match="in use by another perps-bot"):
            DataDirLock(data).acquire()
    finally:
        os.close(fd)
    with DataDirLock(data):
        pass


def test_a_data_directory_that_cannot_be_created_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    with pytest.raises(StateError, match="is not writable"):
        DataDirLock(blocker / "data").acquire()
