"""While the circuit breaker is tripped (losing trades in a row, or venue errors and risk
rejections within a window) no new entry passes until its cooldown ends; closing does."""

from __future__ import annotations

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.reducing import is_reducing


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    if ctx.entry_pause and not is_reducing(request, ctx.position(request.symbol)):
        return RiskVerdict.reject(f"{ctx.entry_pause}; new entries paused until its cooldown ends")
    return RiskVerdict.ok()
