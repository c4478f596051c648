"""AccountSync.book_fill: fills pushed by the user data stream and fills fetched by the REST sync meet
in the same sinks, so each fill is booked once whichever path brings it first, and a fill the stream
missed while it was down is still found by the next sync."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.account_sync import FILLS_GAP_META, NOTHING_NEW, AccountSync
from bot_v2.features.live_trade.accounting import Ledger
from tests.fakes.ports import FakeStore

BTC = "BTC/USDT:USDT"


class Venue:
    """REST history of the account: `since_ms` is inclusive, as on Binance (startTime)."""

    def __init__(self) -> None:
        self.history: list[Fill] = []
        self.fetches = 0

    async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        self.fetches += 1
        return sorted(
            (f for f in self.history if f.timestamp_ms >= since_ms),
            key=lambda f: (f.timestamp_ms, f.fill_id),
        )

    async def fetch_funding(self, symbols: Sequence[str], since_ms: int) -> list[FundingPayment]:
        return []

    def account_version(self) -> int | None:
        return None


def fill(trade_id: int, timestamp_ms: int, side: Side = Side.BUY, size: str = "0.001") -> Fill:
    return Fill(
        str(trade_id),
        f"bot-{trade_id}",
        str(9000 + trade_id),
        BTC,
        side,
        Decimal(size),
        Decimal(50000 + trade_id),
        Decimal("0.02"),
        timestamp_ms,
    )


def books() -> tuple[Venue, FakeStore, Ledger, AccountSync]:
    venue, store, ledger = Venue(), FakeStore(), Ledger(Decimal(10000))
    return venue, store, ledger, AccountSync(venue, store, ledger, [BTC])  # type: ignore[arg-type]


def test_a_streamed_fill_seen_again_by_the_sync_is_booked_once() -> None:
    venue, store, ledger, sync = books()
    first = fill(1, 1_000)
    venue.history.append(first)
    assert sync.book_fill(first)
    assert sync.fills_since_ms == 1_000  # the next sync starts at the fill, not before it
    result = asyncio.run(sync.sync())
    assert result == NOTHING_NEW and ledger.fill_count == 1
    assert [f.fill_id for f in store.load_fills()] == ["1"]
    assert not sync.book_fill(first)  # and once more from the stream: still once
    assert ledger.fill_count == 1 and len(store.load_fills()) == 1


def test_a_synced_fill_arriving_late_on_the_stream_is_booked_once() -> None:
    venue, store, ledger, sync = books()
    first = fill(1, 1_000)
    venue.history.append(first)
    assert [f.fill_id for f in asyncio.run(sync.sync()).fills] == ["1"]
    cash = ledger.cash
    assert not sync.book_fill(first)
    assert ledger.fill_count == 1 and ledger.cash == cash and len(store.load_fills()) == 1


def test_without_advance_a_fill_missed_while_the_stream_was_down_is_still_found() -> None:
    venue, _, ledger, sync = books()
    missed, later = fill(1, 1_000), fill(2, 2_000)
    venue.history += [missed, later]
    # Only the later fill came over the stream (it reconnected after the first); the resync
    # has not completed, so the watermark must stay where the last sync left it.
    assert sync.book_fill(later, advance=False)
    assert sync.fills_since_ms == 0
    assert [f.fill_id for f in asyncio.run(sync.sync()).fills] == ["1"]
    assert ledger.fill_count == 2


def test_advancing_past_a_missed_fill_would_hide_it() -> None:
    """Why `advance` exists: the watermark past a missed fill hides it from every later sync."""
    venue, _, ledger, sync = books()
    missed, later = fill(1, 1_000), fill(2, 2_000)
    venue.history += [missed, later]
    sync.book_fill(later, advance=True)
    asyncio.run(sync.sync())
    assert not ledger.has_fill("1")


def test_a_store_failure_books_nothing_and_keeps_the_watermark() -> None:
    venue, store, ledger, sync = books()
    first = fill(1, 1_000)
    venue.history.append(first)

    def broken(fill: Fill, external: bool = False) -> bool:
        raise OSError("disk full")

    store.record_fill = broken  # type: ignore[method-assign]
    with pytest.raises(OSError):
        sync.book_fill(first)
    assert ledger.fill_count == 0 and sync.fills_since_ms == 0
    del store.record_fill
    assert [f.fill_id for f in asyncio.run(sync.sync()).fills] == ["1"]


# One step of a run: a fill happens on the venue (and the stream may deliver it or miss it), the
# stream redelivers an earlier fill, or a REST sync runs (which also closes a stream gap).
_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("trade"), st.booleans(), st.integers(0, 2)),
        st.tuples(st.just("redeliver"), st.integers(0, 50), st.just(0)),
        st.tuples(st.just("sync"), st.just(False), st.just(0)),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(steps=_STEPS)
def test_every_fill_is_booked_exactly_once_whatever_the_interleaving(
    steps: list[tuple[str, bool, int]],
) -> None:
    venue, store, ledger, sync = books()
    clock = 1_000
    delivered: list[Fill] = []
    continuous = False  # like the pump: only after a sync that followed the last gap

    async def run() -> None:
        nonlocal clock, continuous
        for kind, flag, number in steps:
            if kind == "trade":
                clock += number * 500  # 0: several fills on the same millisecond
                trade = fill(len(venue.history) + 1, clock, Side.BUY if clock % 3 else Side.SELL)
                venue.history.append(trade)
                if flag:
                    delivered.append(trade)
                    sync.book_fill(trade, advance=continuous)
                else:
                    continuous = False  # the stream was down when it happened
            elif kind == "redeliver" and delivered:
                again = delivered[number % len(delivered)]
                assert not sync.book_fill(again, advance=continuous)
            elif kind == "sync":
                await sync.sync()
                continuous = True
        await sync.sync()

    asyncio.run(run())
    ids = [f.fill_id for f in store.load_fills()]
    assert sorted(ids) == sorted({f.fill_id for f in venue.history})
    assert ledger.fill_count == len(venue.history)
    assert all(ledger.has_fill(f.fill_id) for f in venue.history)


def test_fills_of_markets_the_bot_does_not_trade_are_not_booked() -> None:
    # The user data stream covers the whole account; an operator may trade SOL by hand on it.
    _, store, ledger, sync = books()
    manual = attrs.evolve(fill(1, 1_000), symbol="SOL/USDT:USDT")
    assert not sync.book_fill(manual)
    assert ledger.fill_count == 0 and store.load_fills() == [] and sync.fills_since_ms == 0


def test_a_restart_asks_from_before_a_gap_the_stream_booked_past() -> None:
    venue, store, _, sync = books()
    venue.history.append(fill(0, 500))
    asyncio.run(sync.sync())
    missed, later = fill(1, 1_000), fill(2, 2_000)
    venue.history += [missed, later]
    assert sync.book_fill(later, advance=False)
    assert store.get_meta(FILLS_GAP_META) == "500"
    # The process dies before any sync closes the gap; the restart rebuilds from the store.
    ledger = Ledger(Decimal(10000))
    restarted = AccountSync(venue, store, ledger, [BTC])  # type: ignore[arg-type]
    restarted.restore(store.load_fills(), store.load_funding())
    assert restarted.fills_since_ms == 500  # not 2_000, the newest stored fill
    assert [f.fill_id for f in asyncio.run(restarted.sync()).fills] == ["1"]
    assert ledger.fill_count == 3
    assert not store.get_meta(FILLS_GAP_META)  # closed by that sync


def test_a_gap_stays_open_while_the_stream_books_past_it_during_a_sync() -> None:
    missed, pushed = fill(1, 1_000), fill(2, 2_000)

    class Busy(Venue):
        async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
            answer = await super().fetch_fills(symbols, since_ms)
            # While this answer travels: the missed fill happens after the venue read its history,
            # and the reconnected stream pushes a later one.
            if not self.history:
                self.history.append(missed)
                sync.book_fill(pushed, advance=False)
            return answer

    store = FakeStore()
    sync = AccountSync(Busy(), store, Ledger(Decimal(10000)), [BTC])  # type: ignore[arg-type]
    asyncio.run(sync.sync())
    assert store.get_meta(FILLS_GAP_META) == "0"  # that sync could not have seen the missed fill
    assert [f.fill_id for f in asyncio.run(sync.sync()).fills] == ["1"]
    assert not store.get_meta(FILLS_GAP_META)
