"""The position in one symbol may not be worth more than max_symbol_notional once the order fills."""

from __future__ import annotations

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.exposure import mark_of, no_mark_reason
from bot_v2.features.live_trade.risk.reducing import is_reducing, resulting_size


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    position = ctx.position(request.symbol)
    if is_reducing(request, position):
        return RiskVerdict.ok()
    mark = mark_of(ctx, request.symbol)
    if mark is None:
        return RiskVerdict.reject(no_mark_reason(request.symbol))
    notional = abs(resulting_size(request, position)) * mark
    if notional > limits.max_symbol_notional:
        return RiskVerdict.reject(
            f"{request.symbol} notional would be {notional}, above max_symbol_notional "
            f"{limits.max_symbol_notional}"
        )
    return RiskVerdict.ok()
