"""ReconciliationService over a real SQLite store and an in-memory venue: a restart's whole repair
in one pass, nothing more on the next, venue failures reported without touching the store, and the
same store whatever order the venue lists its fills in."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.domain.account import PositionReport
from bot_v2.domain.errors import ExchangeUnavailable
from bot_v2.domain.fills import FundingPayment
from bot_v2.domain.orders import OrderStatus, Side
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.account_sync import FILLS_GAP_META
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.reconciliation import ReconciliationService, UnknownOrderPolicy
from tests.unit.reconciliation._support import BTC, ETH, SYMBOLS, FakeVenue, fill, order, request

TABLES = (
    "intents",
    "orders",
    "order_transitions",
    "fills",
    "funding",
    "positions",
    "events",
    "meta",
)


def dump(store: SqliteStateStore) -> dict[str, list[Any]]:
    return {t: store.db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}


def service(
    venue: FakeVenue, store: SqliteStateStore, alerts: list[str] | None = None
) -> ReconciliationService:
    return ReconciliationService(
        venue,
        store,
        SYMBOLS,
        "bot",
        UnknownOrderPolicy.CANCEL,
        alert=None if alerts is None else alerts.append,
    )


def crashed_world(tmp_path: Path) -> tuple[FakeVenue, SqliteStateStore]:
    """The bot stored f1, committed intents c2 and c3, sent c2 (filled as f2) and died; meanwhile
    funding settled, someone placed an order by hand and sold 0.5 ETH on the venue."""
    store = SqliteStateStore(tmp_path / "state.db")
    store.open()
    venue = FakeVenue()
    venue.orders["c1"] = order("c1", ts=10)
    venue.fills.append(fill("f1", ts=10, coid="c1"))
    store.record_intent(request("c1"), 10)
    store.record_order(order("c1", ts=10))
    store.record_fill(fill("f1", ts=10, coid="c1"))
    store.record_intent(request("c2"), 20)
    store.record_intent(request("c3"), 20)
    venue.orders["c2"] = order("c2", ts=20)
    venue.fills.append(fill("f2", ts=20, coid="c2", price="110"))
    venue.funding.append(
        FundingPayment(BTC, 30, Decimal("0.0001"), Decimal(2), Decimal(105), Decimal("-0.021"))
    )
    venue.orders["manual"] = order("manual", OrderStatus.NEW, "0", symbol=ETH, ts=35)
    venue.hidden.append(fill("h1", Side.SELL, "0.5", "50", ts=40, symbol=ETH))
    return venue, store


def test_one_pass_repairs_a_crashed_store_and_a_second_changes_nothing(tmp_path: Path) -> None:
    venue, store = crashed_world(tmp_path)
    alerts: list[str] = []
    recon = service(venue, store, alerts)
    report = asyncio.run(recon.run(1000))
    assert report.ok, report.failure
    assert store.load_pending_intents() == []
    outcomes = dict(store.db.execute("SELECT client_order_id, outcome FROM intents").fetchall())
    assert outcomes == {"c1": "sent", "c2": "sent", "c3": "never_sent"}
    venue_fill_ids = {f.fill_id for f in venue.fills}
    assert {f.fill_id for f in store.load_fills() if f.client_order_id != "external"} == (
        venue_fill_ids
    )
    assert store.load_positions() == venue.positions()
    assert len(store.load_funding()) == 1
    assert venue.cancelled == ["manual"]
    assert [a for a in alerts if ETH in a]
    kinds = [k for (k,) in store.db.execute("SELECT kind FROM events").fetchall()]
    assert "external_position" in kinds and "unknown_order_cancelled" in kinds

    before = dump(store)
    again = asyncio.run(recon.run(2000))
    assert again.ok and again.plan.changes == 0
    assert dump(store) == before
    # A fresh service (the next restart) finds nothing either, and journals only its findings.
    third = asyncio.run(service(venue, store).run(3000))
    assert third.plan.changes == 0


def test_adopted_fills_and_bookings_reach_the_ledger(tmp_path: Path) -> None:
    venue, store = crashed_world(tmp_path)
    ledger = Ledger(Decimal(10000))
    for f in store.load_fills():
        ledger.apply_fill(f)
    venue.balance = Decimal("9999")
    report = asyncio.run(service(venue, store).run(1000, ledger=ledger))
    assert dict(ledger.positions) == venue.positions()
    assert report.cash_difference == Decimal(9999) - ledger.cash
    assert any("venue balance differs" in f for f in report.findings)


def test_a_venue_that_cannot_answer_fails_the_pass_and_changes_nothing(tmp_path: Path) -> None:
    venue, store = crashed_world(tmp_path)
    venue.fail_with = ExchangeUnavailable("venue timed out")
    before = dump(store)
    report = asyncio.run(service(venue, store).run(1000))
    assert not report.ok and "venue timed out" in report.failure
    after = dump(store)
    assert {t: rows for t, rows in after.items() if t != "events"} == {
        t: rows for t, rows in before.items() if t != "events"
    }
    assert report.health()["status"] == "failed"


class MovingVenue(FakeVenue):
    """Its positions change between any two reads: a fill keeps landing mid-pass."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def fetch_positions(self, symbols: Any) -> list[PositionReport]:
        self.reads += 1
        return [PositionReport(BTC, Decimal(self.reads), Decimal(100))]


def test_positions_that_keep_moving_fail_the_pass(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    store.open()
    venue = MovingVenue()
    report = asyncio.run(service(venue, store).run(1000))
    assert not report.ok and "kept changing" in report.failure
    assert store.load_positions() == {}


def test_live_drift_waits_for_a_second_look(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    store.open()
    venue = FakeVenue()
    venue.hidden.append(fill("h1", ts=5))
    recon = service(venue, store)
    first = asyncio.run(recon.run(1000, book_drift_at_once=False))
    assert first.plan.suspected and store.load_positions() == {}
    second = asyncio.run(recon.run(2000, book_drift_at_once=False))
    assert second.plan.drift
    assert store.load_positions() == {BTC: Position(BTC, Decimal(1), Decimal(100))}


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 8))
def test_the_store_ends_the_same_whatever_order_the_fills_come_in(
    tmp_path_factory: pytest.TempPathFactory, seed: int, stored_count: int
) -> None:
    rng = random.Random(seed)
    history = [
        fill(
            f"v-{i}",
            rng.choice([Side.BUY, Side.SELL]),
            str(rng.randint(1, 9)),
            str(rng.randint(90, 110)),
            ts=i // 2,  # pairs share a millisecond
            symbol=rng.choice(SYMBOLS),
            coid=f"bot-{i}",
        )
        for i in range(12)
    ]
    stored_count = min(stored_count, len(history))

    def final_state(order_of: list[int]) -> tuple[Any, Any]:
        path = tmp_path_factory.mktemp("db") / "state.db"
        store = SqliteStateStore(path)
        store.open()
        for f in history[:stored_count]:
            store.record_fill(f)
        venue = FakeVenue()
        venue.fills = history
        venue.listing = [history[i] for i in order_of]
        report = asyncio.run(service(venue, store).run(1000))
        assert report.ok
        result = (store.load_positions(), sorted(f.fill_id for f in store.load_fills()))
        store.close()
        return result

    in_order = list(range(len(history)))
    shuffled = in_order + rng.sample(in_order, 4)
    rng.shuffle(shuffled)
    positions, fill_ids = final_state(in_order)
    assert (positions, fill_ids) == final_state(shuffled)
    assert fill_ids == sorted(f.fill_id for f in history)  # every fill once, no bookings needed


def test_the_store_file_is_untouched_by_reading_it(tmp_path: Path) -> None:
    venue, store = crashed_world(tmp_path)
    asyncio.run(service(venue, store).run(1000))
    store.close()
    db = sqlite3.connect(tmp_path / "state.db")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_restart_adopts_a_fill_missed_in_a_gap_the_user_stream_booked_past(
    tmp_path: Path,
) -> None:
    # f1 synced; f2 happened while the user stream was down; f3 was pushed after it reconnected
    # (booked without moving the watermark, the gap noted); then the bot died before any sync.
    store = SqliteStateStore(tmp_path / "state.db")
    store.open()
    venue = FakeVenue()
    for f in (fill("f1", ts=10, coid="c1"), fill("f2", ts=20, coid="c2"), fill("f3", ts=30)):
        venue.fills.append(f)
    store.record_fill(venue.fills[0])
    store.set_meta(FILLS_GAP_META, "10")
    store.record_fill(venue.fills[2])
    alerts: list[str] = []
    report = asyncio.run(service(venue, store, alerts).run(1000))
    assert report.ok, report.failure
    assert sorted(f.fill_id for f in store.load_fills()) == ["f1", "f2", "f3"]
    assert store.load_positions() == venue.positions()
    assert alerts == []  # found as the fill it was, not booked as an external change
