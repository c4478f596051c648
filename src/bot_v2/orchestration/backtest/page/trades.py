"""Each closed trade with the kind of exit that ended it, for the table and the chart's markers.

The kind comes from the journal: a protective order's fill is journaled as an "exit" event ending
in its client order id, a bot-side exit (time, end of day) as an "exit_close" event "sent as" its
id (features/live_trade/protection). A closing fill that is a liquidation is "liquidation"; any
other close is the strategy's own ("signal")."""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

from bot_v2.domain.fills import Fill
from bot_v2.features.live_trade.accounting import ClosedTrade

SIGNAL = "signal"
LIQUIDATION = "liquidation"
_EXIT_ID = re.compile(r"^(\S+) .*\(([^()\s]+)\)$")
_CLOSE_ID = re.compile(r"^(\S+) .*: sent as (\S+)$")


@attrs.frozen
class TradeRow:
    trade: ClosedTrade
    exit_kind: str
    slot: str


def exit_kinds_by_order(events: Sequence[tuple[int, str, str]]) -> dict[str, str]:
    """client order id -> exit kind, from the journal's exit events."""
    kinds: dict[str, str] = {}
    for _, kind, detail in events:
        pattern = _EXIT_ID if kind == "exit" else _CLOSE_ID if kind == "exit_close" else None
        found = pattern.match(detail) if pattern is not None else None
        if found is not None:
            kinds[found.group(2)] = found.group(1)
    return kinds


def exit_kind(trade: ClosedTrade, fills: Sequence[Fill], by_order: dict[str, str]) -> str:
    """The kind of the fill that closed `trade` (its symbol's last fill at its close time)."""
    closing = [f for f in fills if f.symbol == trade.symbol and f.timestamp_ms == trade.closed_ms]
    for fill in reversed(closing):
        if fill.liquidation:
            return LIQUIDATION
        kind = by_order.get(fill.client_order_id)
        if kind is not None:
            return kind
    return SIGNAL


def trade_rows(
    trades: Sequence[ClosedTrade],
    fills: Sequence[Fill],
    events: Sequence[tuple[int, str, str]],
    slot_of: dict[str, str],
) -> list[TradeRow]:
    by_order = exit_kinds_by_order(events)
    by_time: dict[tuple[str, int], list[Fill]] = {}
    for f in fills:
        by_time.setdefault((f.symbol, f.timestamp_ms), []).append(f)
    return [
        TradeRow(
            t,
            exit_kind(t, by_time.get((t.symbol, t.closed_ms), []), by_order),
            slot_of.get(t.symbol, ""),
        )
        for t in trades
    ]
