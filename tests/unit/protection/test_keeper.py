"""ProtectionKeeper: ownership records and exit states survive a restart exactly (a real SQLite
file, closed and opened again), nothing is written when nothing changed, and an unreadable
document is refused with a message naming it, not silently reset."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.domain.errors import StateError
from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.exits.values import ExitKind, ExitState
from bot_v2.features.live_trade.protection import Held, ProtectiveRecord, RecordStatus
from bot_v2.features.live_trade.protection.keeper import (
    META_KEY,
    ProtectionKeeper,
    Stored,
    decode,
    encode,
)
from bot_v2.orchestration.backtest.memory_store import MemoryStateStore
from tests.unit.protection._support import BTC, ETH, NOW, record

decimals = st.decimals("0.0001", "100000", places=4)


@st.composite
def helds(draw: st.DrawFn, symbol: str) -> Held:
    state = None
    if draw(st.booleans()):
        state = ExitState(
            symbol,
            draw(st.sampled_from(Side)),
            draw(decimals),
            draw(st.integers(0, 2**42)),
            draw(decimals),
            draw(st.integers(0, 5)),
            draw(st.booleans()),
        )
    records = tuple(
        ProtectiveRecord(
            f"bot-X-p{i}",
            symbol,
            draw(st.sampled_from(ExitKind)),
            draw(st.none() | st.integers(0, 5)),
            draw(st.sampled_from(Side)),
            draw(decimals),
            draw(decimals),
            draw(st.integers(0, 2**42)),
            draw(st.sampled_from(RecordStatus)),
            draw(decimals),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    return Held(symbol, state, records, draw(st.integers(0, 9)))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10**6), helds(BTC), helds(ETH))
def test_any_stored_protection_reads_back_equal(sequence: int, btc: Held, eth: Held) -> None:
    stored = Stored(sequence, {BTC: btc, ETH: eth})
    assert decode(encode(stored)) == stored


def test_records_and_sequence_survive_a_restart(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    store.open()
    keeper = ProtectionKeeper(store)
    state = ExitState(BTC, Side.BUY, Decimal(100), NOW, Decimal(104), 1, True)
    held = Held(BTC, state, (record("bot-BTCUSDT-p4", status=RecordStatus.PENDING),), 2)
    keeper.put(held, sequence=5)
    store.close()

    again = SqliteStateStore(tmp_path / "state.db")
    again.open()
    restored = ProtectionKeeper(again)
    assert restored.held == {BTC: held}
    assert restored.stored.sequence == 5
    again.close()


def test_an_empty_symbol_is_dropped_and_an_unchanged_one_not_written() -> None:
    store = MemoryStateStore()
    keeper = ProtectionKeeper(store)
    keeper.put(Held(BTC, records=(record("r1"),)), sequence=1)
    written = store.get_meta(META_KEY)
    store.set_meta(META_KEY + "-probe", "x")
    keeper.put(Held(BTC, records=(record("r1"),)))
    assert store.get_meta(META_KEY) == written
    keeper.put(Held(BTC))
    assert keeper.held == {} and keeper.stored.sequence == 1


def test_an_unreadable_document_is_refused_naming_it() -> None:
    store = MemoryStateStore()
    store.set_meta(META_KEY, '{"sequence": "x", "symbols": {}}')
    with pytest.raises(StateError, match="state meta 'protection': unreadable"):
        ProtectionKeeper(store)


def canonical(text: str) -> str:
    """The text json.dumps(..., sort_keys=True) gives for what `text` holds: the document's form
    since it was first written as one json.dumps of the whole."""
    return json.dumps(json.loads(text), sort_keys=True)


symbols = st.sampled_from([BTC, ETH, 'Q"U\\OTE/ü:USDT', "A"])


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10**6), st.dictionaries(symbols, st.just(0), max_size=4), st.data())
def test_the_document_is_the_whole_documents_json_text(
    sequence: int, names: dict[str, int], data: st.DataObject
) -> None:
    stored = Stored(sequence, {s: data.draw(helds(s)) for s in sorted(names)})
    text = encode(stored)
    assert text == canonical(text)
    assert decode(text) == stored


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(symbols, max_size=3), st.data()), max_size=8))
def test_the_stored_text_follows_every_put_symbol_by_symbol(
    steps: list[tuple[list[str], st.DataObject]],
) -> None:
    # The keeper re-encodes only the symbols that changed: the stored text must still be the
    # whole document's, after any run of puts (single, several at once, emptied symbols).
    store = MemoryStateStore()
    keeper = ProtectionKeeper(store)
    for n, (names, data) in enumerate(steps):
        new = [data.draw(helds(s) | st.just(Held(s))) for s in names]
        if len(new) == 1:
            keeper.put(new[0], sequence=n)
        else:
            keeper.put_many(new)
        text = store.get_meta(META_KEY) or encode(Stored())
        assert text == canonical(text)
        assert decode(text) == keeper.stored
        assert text == encode(keeper.stored)
