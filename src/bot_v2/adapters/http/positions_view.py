"""The rows of GET /api/v1/positions: the runtime's published positions with the funding booked,
the estimated liquidation price and its distance, and the protective orders that cover each.

The liquidation estimate is the portfolio protections' own (features/live_trade/risk: cross
margin, every position moving against the account at once, distance = equity / total notional -
maintenance margin rate), so the page shows the very figure the guard acts on. The protective
orders are protection's ownership records, read from the store's meta key and decoded by the
keeper's own decode, never by a second copy of its format."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bot_v2.adapters.http.store_reader import StoreReader
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.protection.keeper import META_KEY, decode
from bot_v2.features.live_trade.protection.values import Held
from bot_v2.features.live_trade.risk.exposure import position_notional
from bot_v2.features.live_trade.risk.liquidation import liquidation_distance
from bot_v2.ports.control import PositionView, RuntimeSnapshot


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def held_by_symbol(store: StoreReader) -> Mapping[str, Held] | None:
    """Protection's stored records per symbol; None when the document cannot be read (the page
    then says "unknown", not "unprotected")."""
    text = store.meta(META_KEY)
    if not text:
        return {}
    try:
        return decode(text).held
    except (ValueError, TypeError, KeyError, ArithmeticError):
        return None


def distance_of(snapshot: RuntimeSnapshot, mmr: Decimal) -> Decimal | None:
    """The account's estimated distance to liquidation as a fraction of the price (None without
    equity or exposure)."""
    if snapshot.equity is None:
        return None
    marks = {p.symbol: p.mark for p in snapshot.positions if p.mark is not None}
    total = sum(
        (
            position_notional(marks, p.symbol, Position(p.symbol, p.size, p.entry_price))
            for p in snapshot.positions
        ),
        Decimal(0),
    )
    return liquidation_distance(snapshot.equity, total, mmr)


def liquidation_price(position: PositionView, distance: Decimal | None) -> Decimal | None:
    """The price `distance` against the position from its mark (entry without one); None when no
    positive price gets there (a long with a distance of 100% or more)."""
    if distance is None or position.size == 0:
        return None
    price = position.mark if position.mark is not None and position.mark > 0 else None
    base = price if price is not None else position.entry_price
    moved = base * (1 - distance) if position.size > 0 else base * (1 + distance)
    return moved if moved > 0 else None


def protective_orders(held: Mapping[str, Held] | None, symbol: str) -> list[dict[str, Any]] | None:
    if held is None:
        return None
    entry = held.get(symbol)
    records = () if entry is None else entry.records
    return [
        {
            "client_order_id": r.client_order_id,
            "role": "stop" if r.is_stop else "take_profit",
            "rung": r.rung,
            "kind": r.kind.value,
            "side": r.side.value,
            "trigger_price": str(r.trigger_price),
            "size": str(r.size),
            "status": r.status.value,
        }
        for r in records
    ]


def position_rows(
    snapshot: RuntimeSnapshot, store: StoreReader, mmr: Decimal
) -> list[dict[str, Any]]:
    held = snapshot.positions
    funding = store.funding_by_symbol(tuple(p.symbol for p in held))
    records = held_by_symbol(store)
    distance = distance_of(snapshot, mmr)
    return [
        {
            "symbol": p.symbol,
            "size": str(p.size),
            "entry_price": str(p.entry_price),
            "mark": _text(p.mark),
            "unrealized_pnl": _text(p.unrealized_pnl),
            "funding_paid": funding.get(p.symbol, "0"),
            "liquidation_price": _text(liquidation_price(p, distance)),
            "liquidation_distance": _text(distance),
            "protective_orders": protective_orders(records, p.symbol),
        }
        for p in held
    ]
