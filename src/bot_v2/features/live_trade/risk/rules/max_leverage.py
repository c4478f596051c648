"""Total notional over equity may not exceed max_leverage once the order fills."""

from __future__ import annotations

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.exposure import mark_of, no_mark_reason, total_notional_after
from bot_v2.features.live_trade.risk.reducing import is_reducing


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    if is_reducing(request, ctx.position(request.symbol)):
        return RiskVerdict.ok()
    if ctx.equity <= 0:
        return RiskVerdict.reject(f"equity is {ctx.equity}, no room for new exposure")
    mark = mark_of(ctx, request.symbol)
    if mark is None:
        return RiskVerdict.reject(no_mark_reason(request.symbol))
    leverage = total_notional_after(request, ctx, mark) / ctx.equity
    if leverage > limits.max_leverage:
        return RiskVerdict.reject(
            f"leverage would be {leverage:.2f}x, above max_leverage {limits.max_leverage}x"
        )
    return RiskVerdict.ok()
