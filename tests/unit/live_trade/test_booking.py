"""Bookkeeper: every booking goes to the store first, then the ledger, once. Whatever order and
repetition the fills arrive in, the store's durable positions and the ledger's are the same fold of
the same fills, folded once (by the store), and a booking the store refused never reaches the
ledger."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.adapters.storage.sqlite import store as sqlite_store
from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.domain.errors import StateError
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import FillEffect, Position, apply_fill
from bot_v2.features.live_trade import accounting
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.booking import Bookkeeper
from bot_v2.orchestration.backtest import memory_store
from bot_v2.orchestration.backtest.memory_store import MemoryStateStore
from bot_v2.ports.state_store import IStateStore

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"


def a_fill(n: int, symbol: str, side: Side, size: int, price: int) -> Fill:
    return Fill(
        f"f{n}",
        f"c{n}",
        f"o{n}",
        symbol,
        side,
        Decimal(size) / 1000,
        Decimal(price),
        Decimal("0.01"),
        1000 + n,
    )


fills = st.lists(
    st.tuples(
        st.sampled_from([BTC, ETH]),
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(1, 5000),
        st.integers(100, 200),
        st.booleans(),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(fills)
def test_store_and_ledger_hold_the_same_positions(
    spec: list[tuple[str, Side, int, int, bool]],
) -> None:
    made = [a_fill(n, *f[:4]) for n, f in enumerate(spec)]
    # Each fill at least once, some twice (a stream and a sync both bring it).
    arrivals = made + [f for f, again in zip(made, (s[4] for s in spec), strict=True) if again]
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStateStore(Path(tmp) / "state.db")
        store.open()
        ledger = Ledger(Decimal(10000))
        books = Bookkeeper(store, ledger)
        booked = [books.book_fill(f) for f in arrivals]
        assert booked == [True] * len(made) + [False] * (len(arrivals) - len(made))
        assert store.load_positions() == dict(ledger.positions)
        assert [f.fill_id for f in store.load_fills()] == [f.fill_id for f in made]
        # The ledger took the store's folds; one rebuilt on a restart folds the stored fills
        # itself, and the two are the same books.
        rebuilt = Ledger(Decimal(10000))
        for f in store.load_fills():
            rebuilt.apply_fill(f)
        assert dict(rebuilt.positions) == dict(ledger.positions)
        assert (rebuilt.realized_pnl, rebuilt.cash) == (ledger.realized_pnl, ledger.cash)
        assert rebuilt.closed_trades == ledger.closed_trades
        store.close()


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_a_fill_is_folded_into_its_position_once(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store folds the fill (in the transaction that keeps it) and the ledger takes the
    result: one fold on our side, not one per copy."""
    folds: list[str] = []

    def counted(position: Position, side: Side, size: Decimal, price: Decimal) -> FillEffect:
        folds.append(position.symbol)
        return apply_fill(position, side, size, price)

    for module in (accounting, sqlite_store, memory_store):
        monkeypatch.setattr(module, "apply_fill", counted)
    store: IStateStore = SqliteStateStore(tmp_path / "state.db")
    if kind == "memory":
        store = MemoryStateStore()
    store.open()
    ledger = Ledger(Decimal(10000))
    books = Bookkeeper(store, ledger)
    assert books.book_fill(a_fill(1, BTC, Side.BUY, 2000, 100))
    assert books.book_fill(a_fill(2, BTC, Side.SELL, 3000, 110))
    assert not books.book_fill(a_fill(2, BTC, Side.SELL, 3000, 110))
    assert folds == [BTC, BTC]
    assert ledger.realized_pnl == Decimal(20)  # 2 long closed 10 higher
    assert (
        store.load_positions()
        == dict(ledger.positions)
        == {BTC: Position(BTC, Decimal(-1), Decimal(110))}
    )
    store.close()


def test_without_a_ledger_the_store_alone_is_booked(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    store.open()
    books = Bookkeeper(store)
    fill = a_fill(1, BTC, Side.BUY, 10, 100)
    assert books.book_fill(fill, external=True)
    assert not books.book_fill(fill)
    payment = FundingPayment(BTC, 5000, Decimal("0.0001"), Decimal(1), Decimal(100), Decimal(-1))
    assert books.book_funding(payment)
    assert not books.book_funding(payment)
    assert store.last_fill_ms() == 0, "an external booking is not a venue fill"
    assert list(store.load_positions()) == [BTC]
    store.close()


def test_a_booking_the_store_refused_never_reaches_the_ledger(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    store.open()
    ledger = Ledger(Decimal(10000))
    books = Bookkeeper(store, ledger)
    store.close()  # the store cannot be written now
    with pytest.raises(StateError):
        books.book_fill(a_fill(1, BTC, Side.BUY, 10, 100))
    payment = FundingPayment(BTC, 5000, Decimal("0.0001"), Decimal(1), Decimal(100), Decimal(-1))
    with pytest.raises(StateError):
        books.book_funding(payment)
    assert ledger.fill_count == 0 and not ledger.positions
    assert ledger.funding_net == 0
