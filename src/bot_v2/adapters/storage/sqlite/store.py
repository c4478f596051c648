"""SqliteStateStore implements IStateStore on one SQLite file in WAL mode, with one writer (the bot
holding the data directory's lock).

Durability: commits are synced to disk at checkpoints (synchronous=NORMAL), which survives a killed
process; an order intent is synced on its own commit (synchronous=FULL), which also survives a power
cut. That is the one record the venue cannot give back: everything else (orders, fills, funding) a
restart recovers by asking the venue.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot_v2.adapters.storage.sqlite import rows
from bot_v2.adapters.storage.sqlite.preflight import check_state_file
from bot_v2.adapters.storage.sqlite.schema import MIGRATIONS, REBUILD_POSITIONS_AT, SCHEMA_VERSION
from bot_v2.domain.errors import StateError
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Order, OrderRequest
from bot_v2.domain.positions import FillEffect, Position, apply_fill
from bot_v2.ports.state_store import StoredIntent

OUTCOMES = ("sent", "never_sent", "unresolved")


class SqliteStateStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def open(self) -> None:
        check_state_file(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"state database {self.path}: cannot open it ({exc})") from None
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._migrate(db)
        except sqlite3.Error as exc:
            db.close()
            raise StateError(f"state database {self.path}: {exc}{_hint(exc)}") from None
        self._db = db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        version = int(row[0] or 0)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # One transaction per migration: after a crash the database is at i or i+1, never
            # between. executescript commits anything pending first, so BEGIN goes in the script.
            db.executescript(f"BEGIN IMMEDIATE;\n{MIGRATIONS[target - 1]}")
            try:
                if target in REBUILD_POSITIONS_AT:
                    _rebuild_positions(db)
                db.execute("DELETE FROM schema_version")
                db.execute("INSERT INTO schema_version VALUES (?)", (target,))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise StateError("state store is not open")
        return self._db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; sqlite errors become StateError naming the file."""
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StateError(f"state database {self.path}: {exc}") from None
            raise

    def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement in its own (implicit) transaction; returns the rows it changed."""
        try:
            return self.db.execute(sql, params).rowcount
        except sqlite3.Error as exc:
            raise StateError(f"state database {self.path}: {exc}") from None

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StateError(f"state database {self.path}: {exc}") from None

    def _int(self, sql: str, params: Sequence[Any] = ()) -> int:
        return int(self._rows(sql, params)[0][0] or 0)

    # -- intents and orders -------------------------------------------------------------------
    def record_intent(self, request: OrderRequest, timestamp_ms: int) -> None:
        self.db.execute("PRAGMA synchronous=FULL")
        try:
            with self._tx() as db:
                try:
                    db.execute(
                        f"INSERT INTO intents ({rows.INTENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
                        rows.intent_params(request, timestamp_ms),
                    )
                except sqlite3.IntegrityError:
                    raise StateError(
                        f"client order id {request.client_order_id} was already used by an "
                        "earlier intent; refusing to send it twice"
                    ) from None
        finally:
            self.db.execute("PRAGMA synchronous=NORMAL")

    def resolve_intent(self, client_order_id: str, outcome: str, timestamp_ms: int) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"intent outcome must be one of {OUTCOMES}, got {outcome!r}")
        self._write(
            "UPDATE intents SET outcome=?, resolved_ms=? "
            "WHERE client_order_id=? AND outcome='pending'",
            (outcome, timestamp_ms, client_order_id),
        )

    def load_pending_intents(self) -> list[StoredIntent]:
        found = self._rows(
            f"SELECT {rows.INTENT_COLUMNS} FROM intents WHERE outcome='pending' "
            "ORDER BY created_ms, rowid"
        )
        return [StoredIntent(rows.intent_from(r), r[7]) for r in found]

    def record_order(self, order: Order) -> None:
        with self._tx() as db:
            before = db.execute(
                "SELECT status, filled FROM orders WHERE client_order_id=?",
                (order.client_order_id,),
            ).fetchone()
            db.execute(
                f"INSERT OR REPLACE INTO orders ({rows.ORDER_COLUMNS}) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                rows.order_params(order),
            )
            if before is None or tuple(before) != (order.status.value, str(order.filled)):
                db.execute(
                    "INSERT INTO order_transitions (client_order_id, status, filled, timestamp_ms) "
                    "VALUES (?,?,?,?)",
                    (
                        order.client_order_id,
                        order.status.value,
                        str(order.filled),
                        order.timestamp_ms,
                    ),
                )
            db.execute(
                "UPDATE intents SET outcome='sent', resolved_ms=? "
                "WHERE client_order_id=? AND outcome='pending'",
                (order.timestamp_ms, order.client_order_id),
            )

    def decision_count(self) -> int:
        return self._int("SELECT COUNT(*) FROM intents")

    def load_orders(self) -> list[Order]:
        found = self._rows(f"SELECT {rows.ORDER_COLUMNS} FROM orders ORDER BY timestamp_ms, rowid")
        return [rows.order_from(r) for r in found]

    def load_open_orders(self) -> list[Order]:
        found = self._rows(
            f"SELECT {rows.ORDER_COLUMNS} FROM orders "
            "WHERE status IN ('new', 'partially_filled') ORDER BY timestamp_ms, rowid"
        )
        return [rows.order_from(r) for r in found]

    # -- money --------------------------------------------------------------------------------
    def record_fill(self, fill: Fill, external: bool = False) -> FillEffect | None:
        with self._tx() as db:
            cursor = db.execute(
                f"INSERT OR IGNORE INTO fills ({rows.FILL_COLUMNS}, source) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (*rows.fill_params(fill), "external" if external else "venue"),
            )
            if cursor.rowcount != 1:
                return None
            return _move_position(db, fill)

    def record_funding(self, payment: FundingPayment) -> bool:
        changed = self._write(
            f"INSERT OR IGNORE INTO funding ({rows.FUNDING_COLUMNS}) VALUES (?,?,?,?,?,?)",
            rows.funding_params(payment),
        )
        return changed == 1

    def record_equity(self, timestamp_ms: int, equity: Decimal) -> None:
        self._write("INSERT OR REPLACE INTO equity VALUES (?,?)", (timestamp_ms, str(equity)))

    def load_fills(self, since_ms: int = 0) -> list[Fill]:
        found = self._rows(
            f"SELECT {rows.FILL_COLUMNS} FROM fills WHERE timestamp_ms >= ? ORDER BY rowid",
            (since_ms,),
        )
        return [rows.fill_from(r) for r in found]

    def load_funding(self, since_ms: int = 0) -> list[FundingPayment]:
        found = self._rows(
            f"SELECT {rows.FUNDING_COLUMNS} FROM funding WHERE timestamp_ms >= ? "
            "ORDER BY timestamp_ms, symbol",
            (since_ms,),
        )
        return [rows.funding_from(r) for r in found]

    def load_positions(self) -> dict[str, Position]:
        found = self._rows("SELECT symbol, size, entry_price FROM positions ORDER BY symbol")
        return {r[0]: rows.position_from(r) for r in found}

    def last_fill_ms(self) -> int:
        return self._int("SELECT MAX(timestamp_ms) FROM fills WHERE source='venue'")

    def last_funding_ms(self) -> int:
        return self._int("SELECT MAX(timestamp_ms) FROM funding")

    def watermark_ms(self) -> int:
        return self._int(
            "SELECT MAX(t) FROM ("
            "SELECT MAX(timestamp_ms) AS t FROM equity "
            "UNION ALL SELECT MAX(created_ms) FROM intents "
            "UNION ALL SELECT MAX(timestamp_ms) FROM fills WHERE source='venue' "
            "UNION ALL SELECT MAX(timestamp_ms) FROM funding)"
        )

    # -- journal and facts --------------------------------------------------------------------
    def record_event(self, timestamp_ms: int, kind: str, detail: str) -> None:
        self._write(
            "INSERT INTO events (timestamp_ms, kind, detail) VALUES (?,?,?)",
            (timestamp_ms, kind, detail),
        )

    def get_meta(self, key: str) -> str | None:
        found = self._rows("SELECT value FROM meta WHERE key=?", (key,))
        return None if not found else str(found[0][0])

    def set_meta(self, key: str, value: str) -> None:
        self._write("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value))


def _hint(exc: sqlite3.Error) -> str:
    """What to do about an error opening a file the read-only check passed: only the outside world
    (permissions, a full disk) is left, and the advice never risks the intents inside."""
    kind = getattr(exc, "sqlite_errorname", "")
    if kind.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")):
        return " (the data directory or the file is not writable: fix permissions or the mount)"
    if kind.startswith(("SQLITE_FULL", "SQLITE_IOERR")):
        return (
            " (free disk space and start again; do not delete the file: it may hold order intents "
            "not yet resolved)"
        )
    return ""


def _move_position(db: sqlite3.Connection, fill: Fill) -> FillEffect:
    """The stored position follows its fills in the fills' own transaction, so the two never
    disagree, whenever the process dies."""
    row = db.execute(
        "SELECT symbol, size, entry_price FROM positions WHERE symbol=?", (fill.symbol,)
    ).fetchone()
    before = rows.position_from(row) if row else Position(fill.symbol)
    effect = apply_fill(before, fill.side, fill.size, fill.price)
    after = effect.position
    if after.is_flat:
        db.execute("DELETE FROM positions WHERE symbol=?", (fill.symbol,))
    else:
        db.execute(
            "INSERT OR REPLACE INTO positions VALUES (?,?,?,?)",
            (*rows.position_params(after), fill.timestamp_ms),
        )
    return effect


def _rebuild_positions(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM positions")
    for r in db.execute(f"SELECT {rows.FILL_COLUMNS} FROM fills ORDER BY rowid").fetchall():
        _move_position(db, rows.fill_from(r))
