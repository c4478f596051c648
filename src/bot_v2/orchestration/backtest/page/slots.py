"""The strategy slots a run traded, for the report's per-slot rows and its charts' indicators.

`slots_of(config)` is the one hook: a bot with one [strategy] answers one slot over all its
symbols; [[strategies]] slots answer one each (their symbols do not overlap), and nothing else in
the report changes."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from bot_v2.features.live_trade.accounting import ClosedTrade
from bot_v2.features.live_trade.strategies.plots import Plot, plots_of
from bot_v2.orchestration import factories
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.config.slots import slot_label, slot_strategy, slot_symbols


@attrs.frozen
class ReportSlot:
    label: str
    strategy: str
    symbols: tuple[str, ...]
    plots: tuple[Plot, ...] = ()


@attrs.frozen
class SlotRow:
    slot: ReportSlot
    trades: int
    wins: int
    net_pnl: Decimal
    fees: Decimal
    exposure: float  # fraction of the run with a position open in one of its symbols


def slots_of(config: BotConfig, symbols: Sequence[str]) -> tuple[ReportSlot, ...]:
    """The run's slots: one per [[strategies]] slot (its own symbols and plots), else one, the
    configured [strategy] over every symbol."""
    if config.strategies:
        return tuple(
            ReportSlot(slot_label(s), s.name, slot_symbols(s), plots_of(slot_strategy(s)))
            for s in config.strategies
        )
    strategy = factories.strategy(config)
    name = config.strategy.name
    return (ReportSlot(name, name, tuple(symbols), plots_of(strategy)),)


def slot_rows(
    slots: Sequence[ReportSlot], trades: Sequence[ClosedTrade], start_ms: int, end_ms: int
) -> list[SlotRow]:
    rows = []
    for slot in slots:
        own = [t for t in trades if t.symbol in slot.symbols]
        rows.append(
            SlotRow(
                slot,
                trades=len(own),
                wins=sum(1 for t in own if t.net > 0),
                net_pnl=sum((t.net for t in own), Decimal(0)),
                fees=sum((t.fees for t in own), Decimal(0)),
                exposure=_exposure(own, start_ms, end_ms),
            )
        )
    return rows


def _exposure(trades: Sequence[ClosedTrade], start_ms: int, end_ms: int) -> float:
    """The share of [start, end] covered by at least one of the trades (overlaps counted once)."""
    if end_ms <= start_ms:
        return 0.0
    covered = 0
    reach = start_ms
    for opened, closed in sorted((t.opened_ms, t.closed_ms) for t in trades):
        lo, hi = max(opened, reach), min(closed, end_ms)
        if hi > lo:
            covered += hi - lo
            reach = hi
    return covered / (end_ms - start_ms)
