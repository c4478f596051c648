"""StoreReader: the operator API's own read-only connection to the state database (SQLite in WAL
mode lets it read while the bot writes; `mode=ro` means it can never write). Every read is paged
or bounded, so no request walks a whole table into memory."""

from __future__ import annotations

import sqlite3
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

DAY_MS: Final = 86_400_000
MAX_PAGE: Final = 1_000


def page(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


class StoreReader:
    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            if self._db is None:
                uri = f"{self._path.resolve().as_uri()}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
                self._db.row_factory = sqlite3.Row
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def orders(self, open_only: bool, offset: int, limit: int) -> list[dict[str, Any]]:
        where = "WHERE status IN ('new', 'partially_filled')" if open_only else ""
        rows = self._query(
            f"SELECT * FROM orders {where} ORDER BY timestamp_ms DESC LIMIT ? OFFSET ?",
            (page(limit), max(0, offset)),
        )
        return [dict(r) for r in rows]

    def fills(self, offset: int, limit: int) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT * FROM fills ORDER BY timestamp_ms DESC, rowid DESC LIMIT ? OFFSET ?",
            (page(limit), max(0, offset)),
        )
        return [dict(r) for r in rows]

    def funding_by_symbol(self, symbols: tuple[str, ...]) -> dict[str, str]:
        """Funding booked for each of `symbols` over the run, summed exactly."""
        if not symbols:
            return {}
        marks = ",".join("?" * len(symbols))
        rows = self._query(f"SELECT symbol, amount FROM funding WHERE symbol IN ({marks})", symbols)
        totals: dict[str, Decimal] = {}
        for row in rows:
            # Decimal text summed exactly, as the ledger does.
            totals[row["symbol"]] = totals.get(row["symbol"], Decimal(0)) + Decimal(row["amount"])
        return {symbol: str(total) for symbol, total in totals.items()}

    def events(self, kinds: tuple[str, ...], offset: int, limit: int) -> list[dict[str, Any]]:
        where = f"WHERE kind IN ({','.join('?' * len(kinds))})" if kinds else ""
        rows = self._query(
            f"SELECT id, timestamp_ms, kind, detail FROM events {where} "
            "ORDER BY id DESC LIMIT ? OFFSET ?",
            (*kinds, page(limit), max(0, offset)),
        )
        return [dict(r) for r in rows]

    def equity(self, since_ms: int, max_points: int) -> list[tuple[int, str]]:
        """At most `max_points` rows since `since_ms`, evenly thinned, the last one always kept."""
        count = self._query("SELECT COUNT(*) FROM equity WHERE timestamp_ms >= ?", (since_ms,))
        step = max(1, -(-int(count[0][0]) // page(max_points)))
        rows = self._query(
            "SELECT timestamp_ms, equity FROM ("
            " SELECT timestamp_ms, equity, ROW_NUMBER() OVER (ORDER BY timestamp_ms DESC) AS n"
            " FROM equity WHERE timestamp_ms >= ?) WHERE (n - 1) % ? = 0 ORDER BY timestamp_ms",
            (since_ms, step),
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    def day_closes(self, days: int) -> list[tuple[int, str]]:
        """(UTC day, the last equity stored that day), the newest `days` days, oldest first."""
        rows = self._query(
            "SELECT timestamp_ms / ? AS day, equity FROM equity WHERE timestamp_ms IN ("
            " SELECT MAX(timestamp_ms) FROM equity GROUP BY timestamp_ms / ?)"
            " ORDER BY day DESC LIMIT ?",
            (DAY_MS, DAY_MS, page(days) + 1),
        )
        return [(int(r[0]), str(r[1])) for r in reversed(rows)]

    def meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None
