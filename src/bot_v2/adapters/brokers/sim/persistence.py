"""The simulated exchange's own durable state, in a SQLite file of its own (never the bot's): after
every call that changed something, one transaction writes the account and appends what happened, so
the exchange outlives a killed bot exactly like a real one. WAL with synchronous=NORMAL survives a
killed process; nothing here is shared with the bot's state store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from bot_v2.adapters.brokers.sim.exchange import Changes
from bot_v2.adapters.brokers.sim.records import (
    fill_record,
    funding_record,
    liquidation_record,
    order_record,
    state_from,
)
from bot_v2.adapters.brokers.sim.state import ExchangeState
from bot_v2.domain.errors import StateError

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (client_order_id TEXT PRIMARY KEY, seq INTEGER NOT NULL,
                                   body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fills (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS funding (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS liquidations (seq INTEGER PRIMARY KEY AUTOINCREMENT,
                                         body TEXT NOT NULL);
"""


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


class SimStateFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def open(self) -> ExchangeState | None:
        """Open (creating) the file; the saved state, or None when it holds none yet."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is not None and int(row[0]) != SCHEMA_VERSION:
                raise StateError(
                    f"sim exchange state {self.path} has schema version {row[0]}, this build "
                    f"reads {SCHEMA_VERSION}"
                )
            self._db = db
            return self._load(db)
        except sqlite3.DatabaseError as exc:
            raise StateError(f"sim exchange state {self.path}: {exc}") from None
        except OSError as exc:
            raise StateError(f"sim exchange state {self.path}: {exc.strerror or exc}") from None

    def _load(self, db: sqlite3.Connection) -> ExchangeState | None:
        row = db.execute("SELECT value FROM meta WHERE key='account'").fetchone()
        if row is None:
            return None
        orders = [json.loads(r[0]) for r in db.execute("SELECT body FROM orders ORDER BY seq")]
        fills = [json.loads(r[0]) for r in db.execute("SELECT body FROM fills ORDER BY seq")]
        funding = [json.loads(r[0]) for r in db.execute("SELECT body FROM funding ORDER BY seq")]
        liqs = [json.loads(r[0]) for r in db.execute("SELECT body FROM liquidations ORDER BY seq")]
        return state_from(json.loads(row[0]), orders, fills, funding, liqs)

    def save(self, changes: Changes) -> None:
        """Write one call's changes in one transaction: all of them or none."""
        db = self._db
        if db is None:
            raise StateError(f"sim exchange state {self.path} is not open")
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?), ('account', ?)",
                (str(SCHEMA_VERSION), _dumps(changes.account)),
            )
            for order in changes.orders:
                db.execute(
                    "INSERT INTO orders VALUES (?, ?, ?) ON CONFLICT(client_order_id) "
                    "DO UPDATE SET body=excluded.body",
                    (
                        order.client_order_id,
                        int(order.exchange_order_id.rsplit("-", 1)[-1]),
                        _dumps(order_record(order)),
                    ),
                )
            db.executemany(
                "INSERT INTO fills (body) VALUES (?)",
                [(_dumps(fill_record(f)),) for f in changes.fills],
            )
            db.executemany(
                "INSERT INTO funding (body) VALUES (?)",
                [(_dumps(funding_record(p)),) for p in changes.funding],
            )
            db.executemany(
                "INSERT INTO liquidations (body) VALUES (?)",
                [(_dumps(liquidation_record(e)),) for e in changes.liquidations],
            )
            db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StateError(f"sim exchange state {self.path}: {exc}") from None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
