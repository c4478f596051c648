"""No new exposure on a symbol whose price we have not heard from lately."""

from __future__ import annotations

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.reducing import is_reducing


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    if request.symbol in ctx.stale_symbols and not is_reducing(
        request, ctx.position(request.symbol)
    ):
        return RiskVerdict.reject(f"mark price for {request.symbol} is stale")
    return RiskVerdict.ok()
