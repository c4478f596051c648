"""All positions together may not be worth more than max_total_notional once the order fills."""

from __future__ import annotations

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.exposure import mark_of, no_mark_reason, total_notional_after
from bot_v2.features.live_trade.risk.reducing import is_reducing


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    if is_reducing(request, ctx.position(request.symbol)):
        return RiskVerdict.ok()
    mark = mark_of(ctx, request.symbol)
    if mark is None:
        return RiskVerdict.reject(no_mark_reason(request.symbol))
    total = total_notional_after(request, ctx, mark)
    if total > limits.max_total_notional:
        return RiskVerdict.reject(
            f"total notional would be {total}, above max_total_notional {limits.max_total_notional}"
        )
    return RiskVerdict.ok()
