"""What a perps-bot state database looks like at each schema version, and the read-only check that a
connection's database is one: its recorded version is a single whole number, not newer than this
bot's, and its tables are those of that version. Shared by the start-up check and `state restore`."""

from __future__ import annotations

import sqlite3
from functools import cache

from bot_v2.adapters.storage.sqlite.schema import MIGRATIONS, SCHEMA_VERSION
from bot_v2.domain.errors import StateError

# Advice for a file that cannot be used: never one that loses the order intents inside it.
RESTORE_ADVICE = (
    "restore a backup with `perps-bot state restore FILE` (it keeps this file beside the "
    "restored one); do not delete this file: it may hold order intents not yet resolved"
)


@cache
def tables_at(version: int) -> frozenset[str]:
    """The tables the migrations up to `version` create, found by running them in memory (so a new
    migration needs no second list kept by hand)."""
    db = sqlite3.connect(":memory:")
    try:
        for script in MIGRATIONS[:version]:
            db.executescript(script)
        names = db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    finally:
        db.close()
    return frozenset(str(n[0]) for n in names) | ({"schema_version"} if version else frozenset())


def recorded_version(db: sqlite3.Connection, name: str) -> int:
    """The schema version the file records (0 when it records none); StateError when the record is
    there but is not one whole number."""
    table = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
    ).fetchone()
    if table is None:
        return 0
    found = [r[0] for r in db.execute("SELECT version FROM schema_version").fetchall()]
    if len(found) != 1 or type(found[0]) is not int or found[0] < 0:
        shown = ", ".join(repr(v) for v in found[:3]) or "no row"
        raise StateError(
            f"{name} has a damaged schema version record ({shown}; expected one whole number): "
            f"{RESTORE_ADVICE}"
        )
    return int(found[0])


def check_shape(db: sqlite3.Connection, name: str, newer_advice: str) -> int:
    """Raise StateError (one line naming `name`) unless the database is a perps-bot state database
    this bot can use; returns its schema version."""
    version = recorded_version(db, name)
    if version > SCHEMA_VERSION:
        raise StateError(
            f"{name} has schema version {version}, newer than this bot's {SCHEMA_VERSION}: "
            f"{newer_advice}"
        )
    present = {
        str(r[0])
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    }
    missing = sorted(tables_at(version) - present)
    # Tables a later version creates: the version record says less than the file holds.
    ahead = sorted((tables_at(SCHEMA_VERSION) - tables_at(version)) & present)
    if version == 0 and ahead:
        raise StateError(
            f"{name} has the tables of a perps-bot state database but no schema version record "
            f"(the record is damaged): {RESTORE_ADVICE}"
        )
    if missing or ahead:
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"has {', '.join(ahead)} of a later version" if ahead else "",
            )
            if part
        )
        raise StateError(
            f"{name} records schema version {version} but its tables do not match it "
            f"({detail}), so the version record or the tables are damaged: {RESTORE_ADVICE}"
        )
    return version
