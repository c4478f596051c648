"""ProtectionGuard: the cycle's step for the portfolio protections, pure: it moves the stored
RiskState on what the cycle saw (closed trades, venue errors and risk rejections, equity) and
answers which positions must be reduced now (all of them once the drawdown halt tripped; a share of
each when the account is near its estimated liquidation). The runtime stores the state it answers
before acting on it, and sends the reductions through the intent path (reduce-only orders)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.accounting import ClosedTrade
from bot_v2.features.live_trade.risk.exposure import position_notional
from bot_v2.features.live_trade.risk.liquidation import liquidation_distance
from bot_v2.features.live_trade.risk.protections import (
    GuardState,
    Protections,
    TradeClose,
    expire,
    observe_drawdown,
    on_incident,
    on_trade_close,
)
from bot_v2.features.live_trade.risk.state import RiskState


@attrs.frozen
class Reduction:
    symbol: str
    side: Side
    size: Decimal
    # "drawdown_halt" or "liquidation_distance" (the ExitKind values of exits/values.py).
    kind: str
    reason: str


def closes_of(trades: Iterable[ClosedTrade], seen_ms: int) -> list[TradeClose]:
    """The closed trades the guards have not seen (closed after the stored watermark). The ledger
    does not know which exit closed a trade: a stop-out is then a losing reduce-only close (the
    bot closes with reduce-only orders; a position the venue liquidated is not a stop-out)."""
    return [
        TradeClose(t.symbol, t.closed_ms, t.net, exit_kind=None, reduce_only=True)
        for t in trades
        if t.closed_ms > seen_ms
    ]


class ProtectionGuard:
    def __init__(self, protections: Protections) -> None:
        self.protections = protections

    def step(
        self,
        state: RiskState,
        *,
        now_ms: int,
        equity: Decimal,
        closes: Iterable[TradeClose] = (),
        incidents: Iterable[str] = (),
    ) -> RiskState:
        p = self.protections
        guards: GuardState = expire(state.guards, now_ms)
        for close in closes:
            guards = on_trade_close(guards, close, p)
        for what in incidents:
            guards = on_incident(guards, now_ms, what, p)
        guards = observe_drawdown(guards, state.drawdown_now(equity), p)
        return state if guards is state.guards else attrs.evolve(state, guards=guards)

    def reductions(
        self,
        state: RiskState,
        positions: Mapping[str, Position],
        marks: Mapping[str, Decimal],
        equity: Decimal,
    ) -> list[Reduction]:
        held = [(s, p) for s, p in positions.items() if p.size != 0]
        if not held:
            return []
        if state.guards.halt:
            return [
                Reduction(s, _closing(p), abs(p.size), "drawdown_halt", state.guards.halt)
                for s, p in held
            ]
        p = self.protections
        if p.liquidation_reduce_pct <= 0:
            return []
        total = sum((position_notional(marks, s, pos) for s, pos in held), Decimal(0))
        distance = liquidation_distance(equity, total, p.maintenance_margin_rate)
        if distance is None or distance >= p.liquidation_reduce_pct:
            return []
        reason = (
            f"estimated liquidation {distance * 100:.2f}% away, within "
            f"protections.liquidation_reduce_pct {p.liquidation_reduce_pct * 100:.2f}%"
        )
        share = p.liquidation_reduce_fraction
        return [
            Reduction(s, _closing(pos), abs(pos.size) * share, "liquidation_distance", reason)
            for s, pos in held
        ]


def _closing(position: Position) -> Side:
    return Side.SELL if position.size > 0 else Side.BUY
