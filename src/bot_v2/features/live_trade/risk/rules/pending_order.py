"""A symbol with an order whose outcome is unknown is reduce-only: that order may have filled, so a
new opening order could double the position. Closing stays allowed."""

from __future__ import annotations

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.reducing import is_reducing


def check(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
    symbol = request.symbol
    if symbol in ctx.pending_symbols and not is_reducing(request, ctx.position(symbol)):
        return RiskVerdict.reject(
            f"an earlier {symbol} order's outcome is unknown (pending at the venue); only "
            f"reducing orders pass on {symbol} until reconciliation resolves it"
        )
    return RiskVerdict.ok()
