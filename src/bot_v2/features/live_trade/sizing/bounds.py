"""The bound every sizing method passes through: the largest opening order (from flat, as the
executor sends it) that the exposure rules approve: max_order_notional, max_symbol_notional,
max_total_notional and max_leverage, valued as those rules value it."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.domain.money import on_grid
from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.exposure import position_notional


def others_notional(ctx: RiskContext, symbol: str) -> Decimal:
    """Every other open position's notional, each term on the money grid like the rules sum it.
    The context's kept sum when it has one (exact on the grid: one decision per signal must not
    walk a thousand positions); a zero is walked, so no other position gives Decimal(0) itself,
    not 0E-12."""
    if ctx.others_notional is not None:
        kept = ctx.others_notional(symbol, Decimal(0))
        if kept is not None and kept != 0:
            return kept
    return sum(
        (
            on_grid(position_notional(ctx.marks, s, p))
            for s, p in ctx.positions.items()
            if s != symbol and p.size != 0
        ),
        Decimal(0),
    )


def notional_room(ctx: RiskContext, symbol: str, limits: RiskLimits) -> Decimal:
    """The most notional a new position in `symbol` may have under every exposure limit."""
    if ctx.equity <= 0:
        return Decimal(0)
    others = others_notional(ctx, symbol)
    room = min(
        limits.max_order_notional,
        limits.max_symbol_notional,
        limits.max_total_notional - others,
        limits.max_leverage * ctx.equity - others,
    )
    return max(room, Decimal(0))
