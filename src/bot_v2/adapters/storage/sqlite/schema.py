"""Schema migrations. Entry i moves the database from version i to i+1; never edit a shipped one.
The store runs each in one transaction, so a crash mid-migration leaves the previous version whole."""

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
    # 2: durable positions (moved by each fill in the fill's own transaction), fills the bot booked
    # for changes it did not trade, intents with the time they were resolved, and indexes for the
    # reads reconciliation makes on every pass. Positions for older data are rebuilt from fills.
    """
    ALTER TABLE fills ADD COLUMN source TEXT NOT NULL DEFAULT 'venue';
    ALTER TABLE intents ADD COLUMN resolved_ms INTEGER;
    CREATE TABLE positions (
        symbol TEXT PRIMARY KEY,
        size TEXT NOT NULL,
        entry_price TEXT NOT NULL,
        updated_ms INTEGER NOT NULL
    );
    CREATE INDEX intents_by_outcome ON intents (outcome, created_ms);
    CREATE INDEX orders_by_status ON orders (status);
    CREATE INDEX fills_by_time ON fills (timestamp_ms);
    CREATE INDEX fills_by_source ON fills (source, timestamp_ms);
    CREATE INDEX intents_by_time ON intents (created_ms);
    CREATE INDEX funding_by_time ON funding (timestamp_ms);
    CREATE INDEX transitions_by_order ON order_transitions (client_order_id);
    """,
)

# Migrations after which positions must be rebuilt from the stored fills (they did not exist before).
REBUILD_POSITIONS_AT = frozenset({2})

SCHEMA_VERSION = len(MIGRATIONS)
