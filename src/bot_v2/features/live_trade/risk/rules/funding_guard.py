"""No entry when the next funding payment would go against the new position by more than
protections.funding_max_bps of its notional (a long pays a positive rate, a short a negative one).
A symbol whose next rate is not known passes."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.reducing import is_reducing

BPS = Decimal(10_000)


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    limit = ctx.protections.funding_max_bps
    rate = ctx.funding_rates.get(request.symbol)
    if limit <= 0 or rate is None or is_reducing(request, ctx.position(request.symbol)):
        return RiskVerdict.ok()
    against = rate * request.side.sign * BPS
    if against > limit:
        return RiskVerdict.reject(
            f"next funding costs a {request.side.value} {against:.2f} bps, above "
            f"protections.funding_max_bps {limit}"
        )
    return RiskVerdict.ok()
