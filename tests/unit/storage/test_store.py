"""SqliteStateStore on real files: what goes in comes out exactly (Decimal text), intents are never
reused, positions follow fills in the same transaction, and a v1 database migrates with its
positions rebuilt."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.adapters.storage.sqlite.schema import MIGRATIONS, SCHEMA_VERSION
from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.domain.errors import StateError
from bot_v2.domain.orders import OrderStatus, Side
from bot_v2.domain.positions import FillEffect, Position, apply_fill
from tests.unit.storage._support import (
    BTC,
    ETH,
    fill,
    funding,
    open_store,
    order,
    request,
)


def test_round_trips_every_record_exactly(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    f = fill("f1", price="42123.456789012345", size="0.001")
    opened = Position(BTC, Decimal("0.001"), Decimal("42123.456789012345"))
    assert store.record_fill(f) == FillEffect(opened, Decimal(0))
    assert store.record_funding(funding(10)) is True
    store.record_order(order("c1", ts=5))
    store.set_meta("initial_balance", "10000.5")
    store.close()

    again = open_store(tmp_path / "state.db")
    assert again.load_fills() == [f]
    assert again.load_funding() == [funding(10)]
    assert again.load_orders() == [order("c1", ts=5)]
    assert again.get_meta("initial_balance") == "10000.5"
    assert again.get_meta("missing") is None


def test_fills_and_funding_are_stored_once(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    assert store.record_fill(fill("f1")) is not None
    assert store.record_fill(fill("f1")) is None
    assert store.record_funding(funding(10)) is True
    assert store.record_funding(funding(10)) is False
    assert len(store.load_fills()) == 1 and len(store.load_funding()) == 1
    assert store.load_positions() == {BTC: Position(BTC, Decimal(1), Decimal(100))}


def test_an_intent_id_is_never_accepted_twice(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    store.record_intent(request("c1"), 1)
    with pytest.raises(StateError, match="c1 was already used"):
        store.record_intent(request("c1", side=Side.SELL), 2)
    assert store.decision_count() == 1
    assert [i.request for i in store.load_pending_intents()] == [request("c1")]


def test_intents_resolve_by_order_or_by_verdict_once(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    for coid, ts in (("c1", 1), ("c2", 2), ("c3", 3)):
        store.record_intent(request(coid), ts)
    store.record_order(order("c1"))
    store.resolve_intent("c2", "never_sent", 9)
    store.resolve_intent("c1", "never_sent", 9)  # already sent: a later verdict does not undo it
    pending = store.load_pending_intents()
    assert [(i.request.client_order_id, i.created_ms) for i in pending] == [("c3", 3)]
    outcomes = dict(store.db.execute("SELECT client_order_id, outcome FROM intents").fetchall())
    assert outcomes == {"c1": "sent", "c2": "never_sent", "c3": "pending"}
    with pytest.raises(ValueError):
        store.resolve_intent("c3", "maybe", 9)


def test_order_transitions_are_kept_only_when_the_order_moves(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    store.record_order(order("c1", OrderStatus.NEW, filled="0", ts=1))
    store.record_order(order("c1", OrderStatus.NEW, filled="0", ts=1))
    store.record_order(order("c1", OrderStatus.PARTIALLY_FILLED, filled="0.5", ts=2))
    assert [o.client_order_id for o in store.load_open_orders()] == ["c1"]
    store.record_order(order("c1", OrderStatus.FILLED, filled="1", ts=3))
    assert store.load_open_orders() == []
    transitions = store.db.execute(
        "SELECT status, filled FROM order_transitions ORDER BY id"
    ).fetchall()
    assert transitions == [("new", "0"), ("partially_filled", "0.5"), ("filled", "1")]


def test_external_bookings_move_positions_but_not_the_venue_watermark(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    store.record_fill(fill("f1", ts=100))
    store.record_fill(fill("ext-1", side=Side.SELL, ts=500, coid="external"), external=True)
    assert store.load_positions() == {}
    assert store.last_fill_ms() == 100
    assert store.watermark_ms() == 100
    store.record_equity(700, Decimal(1))
    store.record_intent(request("c9"), 800)
    assert store.watermark_ms() == 800
    assert [f.fill_id for f in store.load_fills(since_ms=200)] == ["ext-1"]


def test_an_empty_store_reports_zero_watermarks(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.db")
    assert (store.last_fill_ms(), store.last_funding_ms(), store.watermark_ms()) == (0, 0, 0)
    assert store.decision_count() == 0 and store.load_positions() == {}


fills_strategy = st.lists(
    st.tuples(
        st.sampled_from([BTC, ETH]),
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(1, 50).map(lambda n: Decimal(n) / 10),
        st.integers(90, 110).map(Decimal),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(fills_strategy)
def test_stored_positions_equal_the_fills_applied_in_order(
    tmp_path_factory: pytest.TempPathFactory, legs: list[tuple[str, Side, Decimal, Decimal]]
) -> None:
    store = open_store(tmp_path_factory.mktemp("db") / "state.db")
    expected: dict[str, Position] = {}
    for i, (symbol, side, size, price) in enumerate(legs):
        folded = store.record_fill(fill(f"f{i}", side, str(size), str(price), ts=i, symbol=symbol))
        before = expected.get(symbol, Position(symbol))
        effect = apply_fill(before, side, size, price)
        # What the store hands the ledger (Bookkeeper) is its fold: the position after, the PnL.
        assert folded == effect
        expected[symbol] = effect.position
    assert store.load_positions() == {s: p for s, p in expected.items() if not p.is_flat}
    store.close()


def test_a_v1_database_migrates_and_rebuilds_its_positions(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(MIGRATIONS[0])
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    db.execute("INSERT INTO schema_version VALUES (1)")
    for i, side in enumerate((Side.BUY, Side.BUY, Side.SELL)):
        db.execute(
            "INSERT INTO fills VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (f"f{i}", "c", "x", BTC, side.value, "1", str(100 + i), "0", i, 0, 0),
        )
    db.execute(
        "INSERT INTO intents VALUES ('c',?,?,?,?,NULL,0,1,'pending')", (BTC, "buy", "market", "1")
    )
    db.close()

    store = open_store(path)
    assert store.db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    assert store.load_positions() == {BTC: Position(BTC, Decimal(1), Decimal("100.5"))}
    assert [i.request.client_order_id for i in store.load_pending_intents()] == ["c"]
    assert store.last_fill_ms() == 2


def test_writes_after_close_fail_clearly(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    with pytest.raises(StateError, match="not open"):
        store.record_event(1, "x", "y")
