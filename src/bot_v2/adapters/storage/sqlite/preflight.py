"""Checks a state database before the store opens it for writing. Everything here reads only, so a
file that fails is left exactly as it was found for the operator (or a backup tool) to deal with."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot_v2.domain.errors import StateError

_MAGIC = b"SQLite format 3\x00"
_HEADER = 100


def check_state_file(path: Path, schema_version: int) -> None:
    """Raise StateError naming the file and what to do when it cannot be used safely. A missing
    file is fine (a first start); a missing file whose write-ahead log remains is not."""
    if not path.exists():
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StateError(
                f"state database {path} is missing but its write-ahead log {wal.name} is there: "
                "the database was deleted or moved; restore it, or remove the -wal file to start "
                "with no state"
            )
        return
    _check_header(path)
    _check_contents(path, schema_version)


def _check_header(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise StateError(
            f"state database {path} is empty (0 bytes), so it was cut short: restore it from a "
            "backup, or move it away to start with no state"
        )
    with path.open("rb") as f:
        header = f.read(_HEADER)
    if len(header) < _HEADER or not header.startswith(_MAGIC):
        raise StateError(f"state database {path} is not a SQLite database (its header is wrong)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count in the header is trusted only when the file's change counter says so.
    counted = header[24:28] == header[92:96] and pages > 0
    if size % page_size or (counted and pages * page_size > size):
        expected = f"{pages * page_size} bytes" if counted else f"a multiple of {page_size} bytes"
        raise StateError(
            f"state database {path} is truncated ({size} bytes, expected {expected}): restore it "
            "from a backup, or move it away to start with no state"
        )


def _check_contents(path: Path, schema_version: int) -> None:
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StateError(f"state database {path}: cannot open it ({exc})") from None
    try:
        found = _version(db)
        if found > schema_version:
            raise StateError(
                f"state database {path} has schema version {found}, newer than this bot's "
                f"{schema_version}: upgrade the bot, do not downgrade the data"
            )
        problems = [str(r[0]) for r in db.execute("PRAGMA quick_check(5)").fetchall()]
        if problems != ["ok"]:
            raise StateError(
                f"state database {path} is corrupt ({'; '.join(problems)}): restore it from a "
                "backup, or move it away to start with no state"
            )
    except sqlite3.Error as exc:
        raise StateError(
            f"state database {path} is corrupt ({exc}): restore it from a backup, or move it "
            "away to start with no state"
        ) from None
    finally:
        db.close()


def _version(db: sqlite3.Connection) -> int:
    table = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
    ).fetchone()
    if table is None:
        return 0
    row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)
