"""The kill switch stops every new order, closing ones included: a person has taken over."""

from __future__ import annotations

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    if ctx.kill_switch:
        return RiskVerdict.reject("kill switch is on, no new orders")
    return RiskVerdict.ok()
