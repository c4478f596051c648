"""ProtectionKeeper: protection's durable memory in the store's meta table, one JSON document (the
pattern of RiskStateKeeper): per symbol the exit state and the ownership records, and the sequence
protective client ids are drawn from. A change is written before the service relies on it: a record
before its order is sent, the sequence with the record that used it. The meta table keeps the
schema untouched (no migration) and both stores (SQLite, the backtest's memory) have it.

With a thousand open positions the document is half a megabyte and a pass changes many symbols:
each symbol's part is encoded once per change (kept by identity, `Held` being frozen) and a pass's
exit states go out in one write (`put_many`), not one whole-document encode and write per symbol."""

from __future__ import annotations

import enum
import functools
import json
import types
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from bot_v2.domain.errors import StateError
from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.exits.values import ExitKind, ExitState
from bot_v2.features.live_trade.protection.values import Held, ProtectiveRecord, RecordStatus
from bot_v2.features.live_trade.stored_fields import decimal_field, int_field
from bot_v2.ports.state_store import IStateStore

META_KEY = "protection"


@attrs.frozen
class Stored:
    sequence: int = 0
    held: Mapping[str, Held] = attrs.field(factory=dict)


class ProtectionKeeper:
    def __init__(self, store: IStateStore) -> None:
        self._store = store
        self.stored = load(store)
        # Each symbol's encoded part, with the Held it was encoded from (compared by identity).
        self._parts: dict[str, tuple[Held, str]] = {}
        self._text = self._encode(self.stored)

    @property
    def held(self) -> Mapping[str, Held]:
        return self.stored.held

    def put(self, held: Held, sequence: int | None = None) -> None:
        """Store `held` (dropped when empty) and, if given, the next sequence, in one write."""
        self.put_many((held,), sequence)

    def put_many(self, helds: Iterable[Held], sequence: int | None = None) -> None:
        """Store every one of `helds` (each dropped when empty) and, if given, the next sequence,
        in one write: what storing them one by one ends with."""
        table = dict(self.stored.held)
        for held in helds:
            if held.empty:
                table.pop(held.symbol, None)
            else:
                table[held.symbol] = held
        seq = self.stored.sequence if sequence is None else max(sequence, self.stored.sequence)
        self._keep(Stored(seq, dict(sorted(table.items()))))

    def advance(self, sequence: int) -> None:
        """Move the next sequence forward (never back)."""
        if sequence > self.stored.sequence:
            self._keep(Stored(sequence, self.stored.held))

    def _keep(self, stored: Stored) -> None:
        text = self._encode(stored)
        if text != self._text:
            self._store.set_meta(META_KEY, text)
            self._text = text
        self.stored = stored

    def _encode(self, stored: Stored) -> str:
        """`encode(stored)`, re-encoding only the symbols whose Held changed since the last call."""
        parts = {}
        for symbol, held in stored.held.items():
            kept = self._parts.get(symbol)
            if kept is None or kept[0] is not held:
                kept = (held, _item(symbol, _held_text(held)))
            parts[symbol] = kept
        self._parts = parts
        return _document(stored.sequence, [parts[s][1] for s in sorted(parts)])


def load(store: IStateStore) -> Stored:
    text = store.get_meta(META_KEY)
    if not text:
        return Stored()
    try:
        return decode(text)
    except (ValueError, TypeError, KeyError, InvalidOperation) as exc:
        raise StateError(
            f"state meta {META_KEY!r}: unreadable ({type(exc).__name__}: {exc}); "
            "see docs/runbooks/recovery.md, 'Protective orders'"
        ) from None


def encode(stored: Stored) -> str:
    """The document: `json.dumps({"sequence": ..., "symbols": {symbol: held}}, sort_keys=True)`,
    put together from each symbol's own encoding (so a keeper can reuse the unchanged ones)."""
    items = [_item(s, _held_text(stored.held[s])) for s in sorted(stored.held)]
    return _document(stored.sequence, items)


def _document(sequence: int, items: Iterable[str]) -> str:
    """Exactly json.dumps's text for the whole document with sort_keys=True, from the symbols'
    items in key order: ", " between items, ": " after keys, "sequence" before "symbols"."""
    return f'{{"sequence": {json.dumps(sequence)}, "symbols": {{{", ".join(items)}}}}}'


def _item(symbol: str, text: str) -> str:
    return f"{json.dumps(symbol)}: {text}"


def _held_text(held: Held) -> str:
    return json.dumps(_held(held), sort_keys=True)


def _held(held: Held) -> dict[str, Any]:
    state = held.exit_state
    return {
        "failures": held.failures,
        "exit_state": None if state is None else _exit_state(state),
        "records": [
            {
                "client_order_id": r.client_order_id,
                "kind": r.kind.value,
                "rung": r.rung,
                "side": r.side.value,
                "size": str(r.size),
                "trigger_price": str(r.trigger_price),
                "created_ms": r.created_ms,
                "status": r.status.value,
                "journaled": str(r.journaled),
            }
            for r in held.records
        ],
    }


def decode(text: str) -> Stored:
    raw: Any = json.loads(text)
    if not isinstance(raw, dict) or not isinstance(raw["symbols"], dict):
        raise ValueError("not a JSON object with symbols")
    held = {s: _decode_held(s, h) for s, h in raw["symbols"].items()}
    return Stored(int_field(raw, "sequence"), held)


def _decode_held(symbol: str, raw: dict[str, Any]) -> Held:
    state = raw["exit_state"]
    exit_state = None if state is None else _decode_exit_state(symbol, state)
    records = tuple(
        ProtectiveRecord(
            client_order_id=str(r["client_order_id"]),
            symbol=symbol,
            kind=ExitKind(r["kind"]),
            rung=None if r["rung"] is None else int_field(r, "rung"),
            side=Side(r["side"]),
            size=decimal_field(r, "size"),
            trigger_price=decimal_field(r, "trigger_price"),
            created_ms=int_field(r, "created_ms"),
            status=RecordStatus(r["status"]),
            journaled=decimal_field(r, "journaled"),
        )
        for r in raw["records"]
    )
    return Held(symbol, exit_state, records, int_field(raw, "failures"))


def _exit_state(state: ExitState) -> dict[str, Any]:
    """Every field by name (the exits own ExitState and may add fields): Decimal as its exact
    text, enums by value."""
    out: dict[str, Any] = {}
    for field in attrs.fields(ExitState):
        if field.name == "symbol":
            continue
        value = getattr(state, field.name)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, enum.Enum):
            value = value.value
        out[field.name] = value
    return out


def _decode_exit_state(symbol: str, raw: dict[str, Any]) -> ExitState:
    """A field missing from an older document takes its default."""
    values: dict[str, Any] = {"symbol": symbol}
    for name, hint in _exit_fields():
        if name in raw:
            values[name] = _typed(raw[name], hint, name)
    return ExitState(**values)


@functools.cache
def _exit_fields() -> tuple[tuple[str, Any], ...]:
    """ExitState's stored fields with their resolved types, once per process: get_type_hints
    compiles every annotation on each call, three quarters of decoding a thousand symbols."""
    hints = typing.get_type_hints(ExitState)
    return tuple((f.name, hints[f.name]) for f in attrs.fields(ExitState) if f.name != "symbol")


def _typed(value: Any, hint: Any, name: str) -> Any:
    options = (
        typing.get_args(hint)
        if typing.get_origin(hint) in (types.UnionType, typing.Union)
        else (hint,)
    )
    if value is None:
        if type(None) in options:
            return None
        raise ValueError(f"{name}: must not be null")
    kind = next(o for o in options if o is not type(None))
    if kind is Decimal:
        return decimal_field({name: value}, name)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{name}: not true or false: {value!r}")
        return value
    if kind is int:
        return int_field({name: value}, name)
    raise ValueError(f"{name}: cannot read a {kind!r}")
