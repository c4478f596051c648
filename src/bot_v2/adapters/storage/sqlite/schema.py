"""Schema migrations. Each entry moves the database from version i to i+1; never edit a shipped one."""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE intents (
        client_order_id TEXT PRIMARY KEY,
        symbol TEXT NOT NULL,
        side TEXT NOT NULL,
        type TEXT NOT NULL,
        size TEXT NOT NULL,
        price TEXT,
        reduce_only INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        outcome TEXT NOT NULL DEFAULT 'pending'
    );
    CREATE TABLE orders (
        client_order_id TEXT PRIMARY KEY,
        exchange_order_id TEXT NOT NULL,
        symbol TEXT NOT NULL,
        side TEXT NOT NULL,
        type TEXT NOT NULL,
        size TEXT NOT NULL,
        filled TEXT NOT NULL,
        status TEXT NOT NULL,
        price TEXT,
        average_price TEXT,
        reduce_only INTEGER NOT NULL,
        timestamp_ms INTEGER NOT NULL
    );
    CREATE TABLE order_transitions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        client_order_id TEXT NOT NULL,
        status TEXT NOT NULL,
        filled TEXT NOT NULL,
        timestamp_ms INTEGER NOT NULL
    );
    CREATE TABLE fills (
        fill_id TEXT PRIMARY KEY,
        client_order_id TEXT NOT NULL,
        exchange_order_id TEXT NOT NULL,
        symbol TEXT NOT NULL,
        side TEXT NOT NULL,
        size TEXT NOT NULL,
        price TEXT NOT NULL,
        fee TEXT NOT NULL,
        timestamp_ms INTEGER NOT NULL,
        is_maker INTEGER NOT NULL,
        liquidation INTEGER NOT NULL
    );
    CREATE TABLE funding (
        symbol TEXT NOT NULL,
        timestamp_ms INTEGER NOT NULL,
        rate TEXT NOT NULL,
        position_size TEXT NOT NULL,
        mark_price TEXT NOT NULL,
        amount TEXT NOT NULL,
        PRIMARY KEY (symbol, timestamp_ms)
    );
    CREATE TABLE equity (
        timestamp_ms INTEGER PRIMARY KEY,
        equity TEXT NOT NULL
    );
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        timestamp_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
