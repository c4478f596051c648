"""Each [[strategies]] slot's backtest results apart: its closed trades (count, wins, net PnL) and
the share of the run's cycles in which it held any position, from the exchange's fills."""

from __future__ import annotations

from decimal import Decimal

import attrs
import numpy as np

from bot_v2.domain.positions import Position, apply_fill
from bot_v2.features.live_trade.strategies.portfolio.results import SlotResult, SlotTally
from bot_v2.orchestration.backtest.engine import BacktestRun
from bot_v2.orchestration.config.slots import slot_specs


def slot_results(run: BacktestRun) -> tuple[SlotResult, ...]:
    specs = slot_specs(run.config)
    if not specs:
        return ()
    tally = SlotTally(specs)
    tally.update(run.ledger.closed_trades)
    times = np.asarray(run.feed.timeline, dtype=np.int64)
    held = _held_by_symbol(run, times)
    out = []
    for result in tally.results({}, {}):
        exposed = np.zeros(len(times), dtype=bool)
        for symbol in result.spec.symbols:
            if symbol in held:
                exposed |= held[symbol]
        share = Decimal(str(round(float(exposed.mean()), 6))) if len(times) else Decimal(0)
        out.append(attrs.evolve(result, exposure=share))
    return tuple(out)


def _held_by_symbol(run: BacktestRun, times: np.ndarray) -> dict[str, np.ndarray]:
    """Per symbol, whether a position was open at each cycle (after the fills up to it)."""
    stamps: dict[str, list[int]] = {}
    open_after: dict[str, list[bool]] = {}
    positions: dict[str, Position] = {}
    for fill in run.broker.exchange.state.fills:
        before = positions.get(fill.symbol) or Position(fill.symbol)
        after = apply_fill(before, fill.side, fill.size, fill.price).position
        positions[fill.symbol] = after
        stamps.setdefault(fill.symbol, []).append(fill.timestamp_ms)
        open_after.setdefault(fill.symbol, []).append(not after.is_flat)
    out = {}
    for symbol, ts in stamps.items():
        at = np.searchsorted(np.asarray(ts, dtype=np.int64), times, side="right") - 1
        flags = np.asarray(open_after[symbol], dtype=bool)
        out[symbol] = np.where(at >= 0, flags[np.maximum(at, 0)], False)
    return out
