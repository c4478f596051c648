"""SqliteStateStore implements IStateStore on one SQLite file in WAL mode. Money is stored as
Decimal text so nothing is lost to floats."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

from bot_v2.adapters.storage.sqlite.schema import MIGRATIONS, SCHEMA_VERSION
from bot_v2.domain.errors import StateError
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus, OrderType, Side


def _dec(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


class SqliteStateStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._migrate(db)
        except sqlite3.DatabaseError as exc:
            raise StateError(f"state database {self.path}: {exc}") from None
        except OSError as exc:
            raise StateError(f"state database {self.path}: {exc.strerror or exc}") from None
        self._db = db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = db.execute("SELECT version FROM schema_version").fetchone()
        version = row[0] if row else 0
        if version > SCHEMA_VERSION:
            raise StateError(
                f"state database {self.path} has schema version {version}, newer than this "
                f"bot's {SCHEMA_VERSION}: upgrade the bot, do not downgrade the data"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # One script, one transaction: a migration is applied whole or not at all.
            db.executescript(
                f"BEGIN IMMEDIATE;\n{MIGRATIONS[target - 1]}\n"
                f"DELETE FROM schema_version;\n"
                f"INSERT INTO schema_version VALUES ({target});\nCOMMIT;"
            )

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise StateError("state store is not open")
        return self._db

    # -- writes -------------------------------------------------------------------------------
    def record_intent(self, request: OrderRequest, timestamp_ms: int) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO intents VALUES (?,?,?,?,?,?,?,?, 'pending')",
            (
                request.client_order_id,
                request.symbol,
                request.side.value,
                request.type.value,
                str(request.size),
                None if request.price is None else str(request.price),
                int(request.reduce_only),
                timestamp_ms,
            ),
        )

    def record_order(self, order: Order) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO orders VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    order.client_order_id,
                    order.exchange_order_id,
                    order.symbol,
                    order.side.value,
                    order.type.value,
                    str(order.size),
                    str(order.filled),
                    order.status.value,
                    None if order.price is None else str(order.price),
                    None if order.average_price is None else str(order.average_price),
                    int(order.reduce_only),
                    order.timestamp_ms,
                ),
            )
            self.db.execute(
                "INSERT INTO order_transitions (client_order_id, status, filled, timestamp_ms) "
                "VALUES (?,?,?,?)",
                (order.client_order_id, order.status.value, str(order.filled), order.timestamp_ms),
            )
            self.db.execute(
                "UPDATE intents SET outcome='sent' WHERE client_order_id=?",
                (order.client_order_id,),
            )

    def record_fill(self, fill: Fill) -> bool:
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO fills VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                fill.fill_id,
                fill.client_order_id,
                fill.exchange_order_id,
                fill.symbol,
                fill.side.value,
                str(fill.size),
                str(fill.price),
                str(fill.fee),
                fill.timestamp_ms,
                int(fill.is_maker),
                int(fill.liquidation),
            ),
        )
        return cursor.rowcount == 1

    def record_funding(self, payment: FundingPayment) -> bool:
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO funding VALUES (?,?,?,?,?,?)",
            (
                payment.symbol,
                payment.timestamp_ms,
                str(payment.rate),
                str(payment.position_size),
                str(payment.mark_price),
                str(payment.amount),
            ),
        )
        return cursor.rowcount == 1

    def record_equity(self, timestamp_ms: int, equity: Decimal) -> None:
        self.db.execute("INSERT OR REPLACE INTO equity VALUES (?,?)", (timestamp_ms, str(equity)))

    def record_event(self, timestamp_ms: int, kind: str, detail: str) -> None:
        self.db.execute(
            "INSERT INTO events (timestamp_ms, kind, detail) VALUES (?,?,?)",
            (timestamp_ms, kind, detail),
        )

    # -- reads --------------------------------------------------------------------------------
    def load_orders(self) -> list[Order]:
        rows = self.db.execute(
            "SELECT client_order_id, exchange_order_id, symbol, side, type, size, filled, status, "
            "price, average_price, reduce_only, timestamp_ms FROM orders ORDER BY timestamp_ms, rowid"
        )
        return [
            Order(
                client_order_id=r[0],
                exchange_order_id=r[1],
                symbol=r[2],
                side=Side(r[3]),
                type=OrderType(r[4]),
                size=Decimal(r[5]),
                filled=Decimal(r[6]),
                status=OrderStatus(r[7]),
                price=_dec(r[8]),
                average_price=_dec(r[9]),
                reduce_only=bool(r[10]),
                timestamp_ms=r[11],
            )
            for r in rows
        ]

    def load_fills(self) -> list[Fill]:
        rows = self.db.execute(
            "SELECT fill_id, client_order_id, exchange_order_id, symbol, side, size, price, fee, "
            "timestamp_ms, is_maker, liquidation FROM fills ORDER BY timestamp_ms, rowid"
        )
        return [
            Fill(
                fill_id=r[0],
                client_order_id=r[1],
                exchange_order_id=r[2],
                symbol=r[3],
                side=Side(r[4]),
                size=Decimal(r[5]),
                price=Decimal(r[6]),
                fee=Decimal(r[7]),
                timestamp_ms=r[8],
                is_maker=bool(r[9]),
                liquidation=bool(r[10]),
            )
            for r in rows
        ]

    def load_funding(self) -> list[FundingPayment]:
        rows = self.db.execute(
            "SELECT symbol, timestamp_ms, rate, position_size, mark_price, amount FROM funding "
            "ORDER BY timestamp_ms, symbol"
        )
        return [
            FundingPayment(r[0], r[1], Decimal(r[2]), Decimal(r[3]), Decimal(r[4]), Decimal(r[5]))
            for r in rows
        ]

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value))

    def decision_count(self) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM intents").fetchone()
        return int(row[0])
