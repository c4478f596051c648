"""A symbol that was just stopped out takes no new entry until its cooldown ends."""

from __future__ import annotations

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.reducing import is_reducing


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    why = ctx.cooldowns.get(request.symbol)
    if why and not is_reducing(request, ctx.position(request.symbol)):
        return RiskVerdict.reject(f"{request.symbol} is cooling down: {why}")
    return RiskVerdict.ok()
