"""Read one meta value from a state file without writing to it or taking the data directory's
lock: what `orders preview` shows of the stored risk state while a bot may be running there."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def read_meta(path: Path, key: str) -> str | None:
    """The value, or None when the file, its meta table or the key is missing."""
    if not path.exists():
        return None
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])
