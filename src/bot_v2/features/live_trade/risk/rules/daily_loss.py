"""Once the day's loss reaches the limit, only orders that reduce a position pass until the UTC day ends."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.reducing import is_reducing


def day_loss_breached(day_pnl: Decimal, limits: RiskLimits) -> bool:
    return day_pnl <= -limits.daily_loss_limit


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    if not (ctx.day_halt or day_loss_breached(ctx.day_pnl, limits)):
        return RiskVerdict.ok()
    if is_reducing(request, ctx.position(request.symbol)):
        return RiskVerdict.ok()
    if ctx.day_halt:
        return RiskVerdict.reject(f"{ctx.day_halt}; only reducing orders until the UTC day ends")
    return RiskVerdict.reject(
        f"day PnL {ctx.day_pnl} reached the daily loss limit of {limits.daily_loss_limit}"
    )
