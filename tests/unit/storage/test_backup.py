"""Restore never leaves a write-ahead log beside the restored database that belongs to the one it
replaced (SQLite would apply it to the wrong file), and keeps the replaced one whole under a free
`.before-restore` name, damaged or not."""

from __future__ import annotations

from pathlib import Path

from bot_v2.adapters.storage.sqlite.backup import backup, restore
from tests.unit.storage._support import open_store, request


def store_with(path: Path, coids: list[str]) -> Path:
    store = open_store(path)
    for n, coid in enumerate(coids):
        store.record_intent(request(coid), n)
    store.close()
    return path


def pending(path: Path) -> list[str]:
    store = open_store(path)
    try:
        return [i.request.client_order_id for i in store.load_pending_intents()]
    finally:
        store.close()


def crashed_with_log(directory: Path, coids: list[str]) -> Path:
    """A database as kill -9 leaves it: its last commits only in the -wal."""
    live = directory.parent / f"{directory.name}-live"
    store = open_store(live / "state.db")
    for n, coid in enumerate(coids):
        store.record_intent(request(coid), n)
    directory.mkdir(parents=True, exist_ok=True)
    for part in live.iterdir():
        (directory / part.name).write_bytes(part.read_bytes())
    store.close()
    assert Path(directory / "state.db-wal").stat().st_size > 0
    return directory / "state.db"


def test_a_damaged_database_with_its_log_is_moved_aside_as_a_pair(tmp_path: Path) -> None:
    saved = tmp_path / "b.db"
    backup(store_with(tmp_path / "src" / "state.db", ["a", "b"]), saved)
    state = crashed_with_log(tmp_path / "data", ["x", "y", "z"])
    # Both damaged past reading, so the log cannot be folded in (a readable log would be: SQLite
    # repairs a damaged main file from the log's newer pages).
    state.write_bytes(b"garbage" * 1000)
    Path(f"{state}-wal").write_bytes(b"junk" * 1000)
    log = Path(f"{state}-wal").read_bytes()

    contents, kept = restore(saved, state)

    assert (contents.intents, contents.pending) == (2, 2)
    assert kept == tmp_path / "data" / "state.db.before-restore"
    assert Path(f"{kept}-wal").read_bytes() == log
    assert not Path(f"{state}-wal").exists()
    assert pending(state) == ["a", "b"]


def test_a_killed_bots_log_is_folded_into_the_kept_copy(tmp_path: Path) -> None:
    saved = tmp_path / "b.db"
    backup(store_with(tmp_path / "src" / "state.db", ["a"]), saved)
    state = crashed_with_log(tmp_path / "data", ["x", "y"])

    _, kept = restore(saved, state)

    assert kept is not None and not Path(f"{kept}-wal").exists()
    assert pending(kept) == ["x", "y"]
    assert pending(state) == ["a"]


def test_each_restore_keeps_its_own_copy_and_an_orphan_log_is_kept_not_applied(
    tmp_path: Path,
) -> None:
    saved = tmp_path / "b.db"
    backup(store_with(tmp_path / "src" / "state.db", ["a"]), saved)
    state = crashed_with_log(tmp_path / "data", ["x"])
    restore(saved, state)
    _, second = restore(saved, state)
    assert second == tmp_path / "data" / "state.db.before-restore.2"

    orphan = crashed_with_log(tmp_path / "orphan", ["x"])
    orphan.unlink()  # the database is gone, its log remains
    _, kept = restore(saved, orphan)
    assert kept == Path(f"{orphan}.before-restore-wal") and kept.exists()
    assert pending(orphan) == ["a"]
