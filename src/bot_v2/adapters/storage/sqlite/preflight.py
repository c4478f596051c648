"""Checks a state database before the store opens it for writing. Nothing here writes beside the
file, not even SQLite's -shm index: a file that fails is left exactly as it was found (bytes and
times) for the operator, or a backup tool, to deal with.

The main file alone is the database only when no write-ahead log holds frames. When one does (a
killed bot, or a checkpoint cut short by a full disk, which can leave the main file shorter than its
header says), the file's size proves nothing: SQLite itself reads the pair, from a private copy."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot_v2.adapters.storage.sqlite.shape import RESTORE_ADVICE, check_shape
from bot_v2.domain.errors import StateError

_MAGIC = b"SQLite format 3\x00"
_HEADER = 100
NEWER_ADVICE = "upgrade the bot, do not downgrade the data"


def check_state_file(path: Path) -> None:
    """Raise StateError naming the file and what to do when it cannot be used safely. A missing
    file is fine (a first start); a missing file whose write-ahead log remains is not."""
    wal = Path(f"{path}-wal")
    logged = has_log(path)
    if not path.exists():
        if logged:
            raise StateError(
                f"state database {path} is missing but its write-ahead log {wal.name} is there: "
                "the database was deleted or moved; put it back, or restore a backup with "
                "`perps-bot state restore FILE`; do not delete the -wal file: it may hold order "
                "intents"
            )
        return
    _check_header(path, trust_size=not logged)
    with readable(path) as uri:
        _check_contents(path, uri)


def _check_header(path: Path, trust_size: bool) -> None:
    size = path.stat().st_size
    if size == 0 and trust_size:
        raise StateError(
            f"state database {path} is empty (0 bytes), so it was cut short: {RESTORE_ADVICE}"
        )
    with path.open("rb") as f:
        header = f.read(_HEADER)
    if not trust_size and not header:
        return  # everything is still in the log; SQLite decides
    if len(header) < _HEADER or not header.startswith(_MAGIC):
        raise StateError(f"state database {path} is not a SQLite database (its header is wrong)")
    if not trust_size:
        return
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count in the header is trusted only when the file's change counter says so.
    counted = header[24:28] == header[92:96] and pages > 0
    if size % page_size or (counted and pages * page_size > size):
        expected = f"{pages * page_size} bytes" if counted else f"a multiple of {page_size} bytes"
        raise StateError(
            f"state database {path} is truncated ({size} bytes, expected {expected}) and has no "
            f"write-ahead log to complete it: {RESTORE_ADVICE}"
        )


def has_log(path: Path) -> bool:
    """True when the database's write-ahead log holds frames (commits not yet in the main file)."""
    wal = Path(f"{path}-wal")
    return wal.exists() and wal.stat().st_size > 0


@contextmanager
def readable(path: Path) -> Iterator[str]:
    """A URI SQLite reads the database from without writing anything beside `path`."""
    if not has_log(path):
        # immutable: no locks, no -shm, no -wal created; right because nothing else writes (the
        # caller holds the data-directory lock) and no log holds frames.
        yield f"{path.resolve().as_uri()}?immutable=1"
        return
    with tempfile.TemporaryDirectory(prefix="perps-bot-check-") as scratch:
        copy = Path(scratch) / "state.db"
        try:
            shutil.copyfile(path, copy)
            shutil.copyfile(f"{path}-wal", f"{copy}-wal")
        except OSError as exc:
            raise StateError(
                f"state database {path}: cannot check it, copying it and its write-ahead log to "
                f"{scratch} failed ({exc.strerror or exc}); if the disk is full, free space and "
                "start again; do not delete the file: it may hold order intents not yet resolved"
            ) from None
        yield f"{copy.as_uri()}?mode=ro"


def _check_contents(path: Path, uri: str) -> None:
    name = f"state database {path}"
    try:
        db = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise StateError(f"{name}: cannot open it ({exc})") from None
    try:
        problems = [str(r[0]) for r in db.execute("PRAGMA quick_check(5)").fetchall()]
        if problems != ["ok"]:
            raise StateError(f"{name} is corrupt ({'; '.join(problems)}): {RESTORE_ADVICE}")
        check_shape(db, name, NEWER_ADVICE)
    except sqlite3.Error as exc:
        raise StateError(f"{name} is corrupt ({exc}): {RESTORE_ADVICE}") from None
    finally:
        db.close()
