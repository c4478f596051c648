"""Once equity fell protections.max_drawdown_pct below its peak, the bot flattens and halts: only
reducing orders pass until a person runs `perps-bot risk clear --drawdown-halt`."""

from __future__ import annotations

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.reducing import is_reducing


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    if ctx.drawdown_halt and not is_reducing(request, ctx.position(request.symbol)):
        return RiskVerdict.reject(
            f"{ctx.drawdown_halt}; halted until `perps-bot risk clear --drawdown-halt`"
        )
    return RiskVerdict.ok()
