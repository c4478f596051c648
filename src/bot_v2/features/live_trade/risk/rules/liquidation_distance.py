"""No entry that would leave the account's estimated liquidation closer than
protections.liquidation_min_pct of the price, or than liquidation_min_atr ATRs (where the ATR is
known). The estimate is risk/liquidation.py's: cross margin, everything moving against us."""

from __future__ import annotations

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.exposure import mark_of, no_mark_reason, total_notional_after
from bot_v2.features.live_trade.risk.liquidation import liquidation_distance
from bot_v2.features.live_trade.risk.reducing import is_reducing


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    p = ctx.protections
    if p.liquidation_min_pct <= 0 and p.liquidation_min_atr <= 0:
        return RiskVerdict.ok()
    if is_reducing(request, ctx.position(request.symbol)):
        return RiskVerdict.ok()
    mark = mark_of(ctx, request.symbol)
    if mark is None:
        return RiskVerdict.reject(no_mark_reason(request.symbol))
    total = total_notional_after(request, ctx, mark)
    distance = liquidation_distance(ctx.equity, total, p.maintenance_margin_rate)
    if distance is None:
        return RiskVerdict.ok()
    if distance < p.liquidation_min_pct:
        return RiskVerdict.reject(
            f"liquidation would be {distance * 100:.2f}% away, closer than "
            f"protections.liquidation_min_pct {p.liquidation_min_pct * 100:.2f}%"
        )
    atr = ctx.atr.get(request.symbol)
    if p.liquidation_min_atr > 0 and atr is not None and atr > 0:
        atrs = distance * mark / atr
        if atrs < p.liquidation_min_atr:
            return RiskVerdict.reject(
                f"liquidation would be {atrs:.2f} ATR away, closer than "
                f"protections.liquidation_min_atr {p.liquidation_min_atr}"
            )
    return RiskVerdict.ok()
