"""The state database's row shape is a promise to every file already on disk: rows written by the
hand-written row code (before the shared record converter) load into the same values, and values are
written as exactly those rows. Round trips through real SQLite for every stored domain value."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.adapters.storage.sqlite import rows
from bot_v2.adapters.storage.sqlite.schema import MIGRATIONS
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus, OrderType, Side
from bot_v2.domain.positions import Position
from tests.unit.storage._support import (
    BTC,
    ETH,
    RECORDED_FILL,
    RECORDED_FUNDING,
    exact,
    fills,
    money,
    open_store,
    payments,
    stamps,
    texts,
)

D = Decimal

# Rows as the earlier code wrote them (printed from main's rows.py): Decimal text keeps its exponent
# ("0.010", "6.5E+4"), booleans are 0/1, a missing price is NULL.
OLD_ORDER = (
    "bot-BTC-1",
    "x-7",
    BTC,
    "sell",
    "limit",
    "0.010",
    "0.004",
    "partially_filled",
    "6.5E+4",
    None,
    1,
    1700000000000,
)
OLD_FILL = (
    "f-1",
    "bot-BTC-1",
    "x-7",
    BTC,
    "buy",
    "0.004",
    "65000.10",
    "-0.013",
    1700000000500,
    1,
    0,
)
OLD_FUNDING = (ETH, 1700003600000, "-0.0001", "-1.5", "3000", "0.45")
OLD_INTENT = ("bot-ETH-2", ETH, "buy", "market", "1.5", None, 0, 1700000001000)

ORDER = Order(
    "bot-BTC-1",
    "x-7",
    BTC,
    Side.SELL,
    OrderType.LIMIT,
    D("0.010"),
    D("0.004"),
    OrderStatus.PARTIALLY_FILLED,
    D("6.5E+4"),
    None,
    True,
    1700000000000,
)
FILL = RECORDED_FILL
FUNDING = RECORDED_FUNDING
INTENT = OrderRequest("bot-ETH-2", ETH, Side.BUY, OrderType.MARKET, D("1.5"))


def old_version_1_file(path: Path) -> None:
    """A database as the first shipped schema left it, holding the old rows."""
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(MIGRATIONS[0])
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    db.execute("INSERT INTO schema_version VALUES (1)")
    db.execute(
        f"INSERT INTO orders ({rows.ORDER_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", OLD_ORDER
    )
    db.execute(f"INSERT INTO fills ({rows.FILL_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)", OLD_FILL)
    db.execute(f"INSERT INTO funding ({rows.FUNDING_COLUMNS}) VALUES (?,?,?,?,?,?)", OLD_FUNDING)
    db.execute(f"INSERT INTO intents ({rows.INTENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)", OLD_INTENT)
    db.close()


def test_a_database_written_by_the_old_row_code_loads_the_same_values(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    old_version_1_file(path)
    store = open_store(path)
    try:
        assert [exact(o) for o in store.load_orders()] == [exact(ORDER)]
        assert [exact(f) for f in store.load_fills()] == [exact(FILL)]
        assert [exact(p) for p in store.load_funding()] == [exact(FUNDING)]
        [pending] = store.load_pending_intents()
        assert (exact(pending.request), pending.created_ms) == (exact(INTENT), OLD_INTENT[-1])
        # The migration to version 2 rebuilt the position from the old fill row.
        assert store.load_positions() == {BTC: Position(BTC, D("0.004"), D("65000.10"))}
    finally:
        store.close()


def test_values_are_written_as_the_old_rows(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    try:
        store.record_intent(INTENT, OLD_INTENT[-1])
        store.record_order(ORDER)
        store.record_fill(FILL)
        store.record_funding(FUNDING)
        db = store.db
        assert db.execute(f"SELECT {rows.INTENT_COLUMNS} FROM intents").fetchall() == [OLD_INTENT]
        assert db.execute(f"SELECT {rows.ORDER_COLUMNS} FROM orders").fetchall() == [OLD_ORDER]
        assert db.execute(f"SELECT {rows.FILL_COLUMNS} FROM fills").fetchall() == [OLD_FILL]
        assert db.execute(f"SELECT {rows.FUNDING_COLUMNS} FROM funding").fetchall() == [OLD_FUNDING]
        assert db.execute("SELECT * FROM positions").fetchall() == [
            (BTC, "0.004", "65000.10", 1700000000500)
        ]
    finally:
        store.close()


# -- round trips ------------------------------------------------------------------------------

sizes = st.decimals(min_value="1e-12", max_value="1e12", allow_nan=False, allow_infinity=False)


@pytest.fixture(scope="module")
def memory_db() -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(":memory:", isolation_level=None)
    for script in MIGRATIONS:
        db.executescript(script)
    yield db
    db.close()


def through_table(db: sqlite3.Connection, table: str, columns: str, params: tuple[Any, ...]) -> Any:
    """Write one row into the real table and read it back, as SQLite stores it."""
    db.execute(f"DELETE FROM {table}")
    marks = ",".join("?" * len(params))
    db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", params)
    return db.execute(f"SELECT {columns} FROM {table}").fetchone()


# Building a dozen fields per example is slow on a busy machine; the data is what it is.
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.builds(
        Order,
        texts,
        texts,
        texts,
        st.sampled_from(Side),
        st.sampled_from(OrderType),
        money,
        money,
        st.sampled_from(OrderStatus),
        st.none() | money,
        st.none() | money,
        st.booleans(),
        stamps,
    )
)
def test_orders_round_trip(memory_db: sqlite3.Connection, order: Order) -> None:
    row = through_table(memory_db, "orders", rows.ORDER_COLUMNS, rows.order_params(order))
    assert exact(rows.order_from(row)) == exact(order)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(fills)
def test_fills_round_trip(memory_db: sqlite3.Connection, fill: Fill) -> None:
    row = through_table(memory_db, "fills", rows.FILL_COLUMNS, rows.fill_params(fill))
    assert exact(rows.fill_from(row)) == exact(fill)


@given(payments)
def test_funding_round_trips(memory_db: sqlite3.Connection, payment: FundingPayment) -> None:
    row = through_table(memory_db, "funding", rows.FUNDING_COLUMNS, rows.funding_params(payment))
    assert exact(rows.funding_from(row)) == exact(payment)


@given(
    st.builds(
        OrderRequest,
        texts,
        texts,
        st.sampled_from(Side),
        st.just(OrderType.LIMIT),
        sizes,
        sizes,
        st.booleans(),
    ),
    stamps,
)
def test_intents_round_trip(
    memory_db: sqlite3.Connection, request: OrderRequest, created_ms: int
) -> None:
    params = rows.intent_params(request, created_ms)
    row = through_table(memory_db, "intents", rows.INTENT_COLUMNS, params)
    assert (exact(rows.intent_from(row)), row[-1]) == (exact(request), created_ms)


@given(st.builds(Position, texts, money, money))
def test_positions_round_trip(memory_db: sqlite3.Connection, position: Position) -> None:
    params = (*rows.position_params(position), 0)
    row = through_table(memory_db, "positions", f"{rows.POSITION_COLUMNS}, updated_ms", params)
    assert exact(rows.position_from(row)) == exact(position)
