"""One order may not be worth more than max_order_notional. Reducing orders pass: a position built by
several orders must be closable by one."""

from __future__ import annotations

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.exposure import mark_of, no_mark_reason
from bot_v2.features.live_trade.risk.reducing import is_reducing


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    if is_reducing(request, ctx.position(request.symbol)):
        return RiskVerdict.ok()
    mark = mark_of(ctx, request.symbol)
    if mark is None:
        return RiskVerdict.reject(no_mark_reason(request.symbol))
    notional = request.size * mark
    if notional > limits.max_order_notional:
        return RiskVerdict.reject(
            f"order notional {notional} exceeds max_order_notional {limits.max_order_notional}"
        )
    return RiskVerdict.ok()
