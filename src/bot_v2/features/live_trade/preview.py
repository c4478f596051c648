"""What an order would look like after quantization and every risk rule, without sending it.
`perps-bot orders preview` shows this; it answers "would the bot accept this order, and as what?"."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.domain.market import MarketSpec
from bot_v2.domain.money import quantize_price, quantize_size
from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.rules import DEFAULT_RULES, RuleFn


@attrs.frozen
class RuleResult:
    rule: str
    approved: bool
    reason: str


@attrs.frozen
class OrderPreview:
    request: OrderRequest | None
    asked_size: Decimal
    asked_price: Decimal | None
    notional: Decimal
    problems: tuple[str, ...]
    rules: tuple[RuleResult, ...]
    # What the venue would hold for the position once the order fills (the protection pass).
    protection: tuple[str, ...] = ()
    # The next funding rate the funding guard judged by; None where the source knows none.
    funding_rate: Decimal | None = None

    @property
    def would_send(self) -> bool:
        return (
            self.request is not None and not self.problems and all(r.approved for r in self.rules)
        )


def preview_order(
    *,
    client_order_id: str,
    symbol: str,
    side: Side,
    order_type: OrderType,
    size: Decimal,
    price: Decimal | None,
    reduce_only: bool,
    spec: MarketSpec,
    ctx: RiskContext,
    limits: RiskLimits,
    rules: tuple[tuple[str, RuleFn], ...] = DEFAULT_RULES,
) -> OrderPreview:
    """Quantize like the executor does, then run every rule (not just the first that rejects)."""
    problems: list[str] = []
    q_size = quantize_size(size, spec.step_size)
    q_price = quantize_price(price, spec.tick_size, side) if price is not None else None
    if order_type is OrderType.LIMIT and q_price is None:
        problems.append("a limit order needs --price")
    if q_size < spec.min_size or q_size <= 0:
        problems.append(f"size {q_size} is below the market minimum {spec.min_size}")
    reference = q_price if q_price is not None else ctx.marks.get(symbol)
    notional = q_size * reference if reference is not None else Decimal(0)
    if reference is not None and 0 < notional < spec.min_notional:
        problems.append(f"notional {notional} is below the market minimum {spec.min_notional}")
    if problems:
        return OrderPreview(None, size, price, notional, tuple(problems), ())
    request = OrderRequest(
        client_order_id=client_order_id,
        symbol=symbol,
        side=side,
        type=order_type,
        size=q_size,
        price=q_price,
        reduce_only=reduce_only,
    )
    results = tuple(
        RuleResult(name, verdict.approved, verdict.reason)
        for name, check in rules
        for verdict in [check(request, ctx, limits)]
    )
    funding = ctx.funding_rates.get(symbol)
    return OrderPreview(request, size, price, notional, (), results, funding_rate=funding)
