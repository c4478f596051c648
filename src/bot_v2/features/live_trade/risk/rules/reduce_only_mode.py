"""In reduce-only mode only orders that shrink a position without flipping it pass."""

from __future__ import annotations

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.reducing import is_reducing


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    if ctx.reduce_only and not is_reducing(request, ctx.position(request.symbol)):
        return RiskVerdict.reject(
            f"{request.side.value} {request.size} would not reduce the {request.symbol} position "
            f"of {ctx.position(request.symbol).size}; only reducing orders pass in reduce-only mode"
        )
    return RiskVerdict.ok()
