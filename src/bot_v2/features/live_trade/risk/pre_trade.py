"""Runs the risk rules over one order request; the first rejection wins."""

from __future__ import annotations

from collections.abc import Sequence

from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext, RuleFn
from bot_v2.features.live_trade.risk.reducing import is_reducing
from bot_v2.features.live_trade.risk.rules import DEFAULT_RULES
from bot_v2.features.live_trade.risk.rules.daily_loss import day_loss_breached

__all__ = ["PreTradeRisk", "day_loss_breached", "is_reducing"]


class PreTradeRisk:
    def __init__(
        self, limits: RiskLimits, rules: Sequence[tuple[str, RuleFn]] = DEFAULT_RULES
    ) -> None:
        self.limits = limits
        self.rules = tuple(rules)

    def check(self, request: OrderRequest, ctx: RiskContext) -> RiskVerdict:
        """OK, or the first rule's rejection with its reason prefixed by the rule name."""
        for name, rule in self.rules:
            verdict = rule(request, ctx, self.limits)
            if not verdict.approved:
                return RiskVerdict.reject(f"{name}: {verdict.reason}")
        return RiskVerdict.ok()
