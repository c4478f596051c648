"""Risk limits and the verdict of a pre-trade check."""

from __future__ import annotations

from decimal import Decimal

import attrs


@attrs.frozen
class RiskLimits:
    max_leverage: Decimal
    max_order_notional: Decimal
    max_symbol_notional: Decimal
    max_total_notional: Decimal
    daily_loss_limit: Decimal


@attrs.frozen
class RiskVerdict:
    approved: bool
    reason: str = ""

    @classmethod
    def ok(cls) -> RiskVerdict:
        # One shared approval (the value is frozen): every rule approves nearly every order.
        return _APPROVED

    @classmethod
    def reject(cls, reason: str) -> RiskVerdict:
        return cls(False, reason)


_APPROVED = RiskVerdict(True)
