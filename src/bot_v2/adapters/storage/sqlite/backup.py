"""Backup and restore of the state database with SQLite's online backup API: a copy taken in one
step inside one read transaction, so it is consistent while the bot keeps writing (in WAL mode a
reader does not block the writer, nor the writer the reader).

Neither ever half-writes: the copy is made under a temporary name beside its destination, checked
(integrity_check, the tables of its schema version), synced, and only then renamed into place."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import attrs

from bot_v2.adapters.storage.sqlite.preflight import has_log, readable
from bot_v2.adapters.storage.sqlite.shape import check_shape
from bot_v2.domain.errors import StateError

KEPT_SUFFIX = ".before-restore"


@attrs.frozen
class Contents:
    version: int
    intents: int
    pending: int

    def describe(self) -> str:
        return f"schema version {self.version}, {self.intents} intents, {self.pending} pending"


def backup(state: Path, target: Path) -> Contents:
    """Copy the live database `state` to `target` (a new file)."""
    if not state.exists():
        raise StateError(f"no state database at {state}: nothing to back up")
    if target.exists():
        raise StateError(f"{target} already exists: name a new file with --to")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StateError(f"cannot create {target.parent}: {exc.strerror or exc}") from None
    temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
    contents = _copy(state, temporary, f"state database {state}", "upgrade this bot to back it up")
    try:
        os.replace(temporary, target)
        _sync_dir(target.parent)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise StateError(f"cannot write {target}: {exc.strerror or exc}") from None
    return contents


def check_backup(file: Path) -> Contents:
    """Read `file`, writing nothing beside it, and say what it holds; StateError unless it is a
    whole perps-bot state database this bot can use."""
    if not file.is_file():
        raise StateError(f"backup {file} does not exist or is not a file")
    with readable(file) as uri:
        db = _connect(uri, f"backup {file}")
        try:
            return _contents(db, f"backup {file}", _NEWER_BACKUP)
        finally:
            db.close()


def restore(file: Path, state: Path) -> tuple[Contents, Path | None]:
    """Replace `state` with the backup `file`; the caller holds the data-directory lock. Returns
    what was restored and where the replaced database was kept (None when there was none)."""
    contents = check_backup(file)
    temporary = state.with_name(f".{state.name}.{os.getpid()}.restoring")
    _copy(file, temporary, f"backup {file}", _NEWER_BACKUP)
    try:
        kept = _set_aside(state)
        os.replace(temporary, state)
        _sync_dir(state.parent)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise StateError(
            f"cannot put the backup in place at {state}: {exc.strerror or exc}"
        ) from None
    return contents, kept


_NEWER_BACKUP = "restore it with the perps-bot version that wrote it"


def _connect(uri: str, name: str) -> sqlite3.Connection:
    try:
        return sqlite3.connect(uri, uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise StateError(f"{name}: cannot open it ({exc})") from None


def _contents(db: sqlite3.Connection, name: str, newer_advice: str) -> Contents:
    try:
        problems = [str(r[0]) for r in db.execute("PRAGMA integrity_check(5)").fetchall()]
        if problems != ["ok"]:
            raise StateError(f"{name} is corrupt ({'; '.join(problems)})")
        version = check_shape(db, name, newer_advice)
        if version == 0:
            raise StateError(f"{name} is not a perps-bot state database (it has no schema version)")
        intents, pending = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(outcome='pending'), 0) FROM intents"
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise StateError(f"{name} is not a perps-bot state database ({exc})") from None
    return Contents(version, int(intents), int(pending))


def _copy(source: Path, temporary: Path, name: str, newer_advice: str) -> Contents:
    """Back up `source` into `temporary` (a new file), check the copy and sync it; on any failure
    the temporary file is removed."""
    temporary.unlink(missing_ok=True)
    reader = _connect(f"{source.resolve().as_uri()}?mode=ro", name)
    try:
        copy = sqlite3.connect(temporary)
        try:
            reader.backup(copy)  # all pages in one step: one snapshot, however busy the writer
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
            contents = _contents(copy, name, newer_advice)
        finally:
            copy.close()
        _sync_file(temporary)
    except (sqlite3.Error, OSError, StateError) as exc:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}-journal").unlink(missing_ok=True)
        if isinstance(exc, StateError):
            raise
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise StateError(f"{name}: copying it to {temporary.parent} failed ({detail})") from None
    finally:
        reader.close()
    return contents


def _set_aside(state: Path) -> Path | None:
    """Keep the database being replaced, whole, under a free `.before-restore` name. A log with
    commits is folded in first so the kept file is one file and no log is left beside the restored
    database (SQLite would apply it to the wrong file)."""
    if has_log(state) and state.exists() and _reads_whole(state):
        _fold_log(state)
    kept = _free_name(state)
    moved: Path | None = None
    if state.exists():
        if has_log(state):  # could not be folded (damaged): move the pair, database first
            os.replace(state, kept)
        else:
            _keep_copy(state, kept)  # the database stays in place until the rename replaces it
        moved = kept
    for suffix in ("-wal", "-shm"):
        part = Path(f"{state}{suffix}")
        if part.exists():
            if part.stat().st_size and suffix == "-wal":
                os.replace(part, Path(f"{kept}{suffix}"))
                moved = moved or Path(f"{kept}{suffix}")
            else:
                part.unlink()
    return moved


def _reads_whole(state: Path) -> bool:
    """Whether SQLite reads the database and its log as a sound whole, checked on a private copy:
    opening a damaged pair for writing can make SQLite drop the log, the very thing kept."""
    try:
        with readable(state) as uri:
            db = sqlite3.connect(uri, uri=True)
            try:
                return db.execute("PRAGMA quick_check(1)").fetchall() == [("ok",)]
            finally:
                db.close()
    except (sqlite3.Error, StateError):
        return False


def _fold_log(state: Path) -> None:
    """Checkpoint the log into the database (closing the last connection then removes the log)."""
    try:
        db = sqlite3.connect(state, timeout=30)
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        pass  # damaged: _set_aside moves the database and its log together instead


def _keep_copy(state: Path, kept: Path) -> None:
    try:
        os.link(state, kept)
    except OSError:  # a file system without hard links: a full copy, synced
        shutil.copyfile(state, kept)
        _sync_file(kept)


def _free_name(state: Path) -> Path:
    kept = state.with_name(f"{state.name}{KEPT_SUFFIX}")
    n = 1
    while kept.exists() or Path(f"{kept}-wal").exists():
        n += 1
        kept = state.with_name(f"{state.name}{KEPT_SUFFIX}.{n}")
    return kept


def _sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
