"""The default rule set, in the order it runs. A new rule is one file here plus one line below."""

from __future__ import annotations

from bot_v2.features.live_trade.risk.context import RuleFn
from bot_v2.features.live_trade.risk.rules import (
    daily_loss,
    kill_switch,
    max_leverage,
    max_order_notional,
    pending_order,
    reduce_only_mode,
    stale_mark,
    symbol_exposure,
    total_exposure,
)

DEFAULT_RULES: tuple[tuple[str, RuleFn], ...] = (
    ("kill_switch", kill_switch.check),
    ("reduce_only", reduce_only_mode.check),
    ("pending_order", pending_order.check),
    ("stale_mark", stale_mark.check),
    ("daily_loss", daily_loss.check),
    ("max_order_notional", max_order_notional.check),
    ("symbol_exposure", symbol_exposure.check),
    ("total_exposure", total_exposure.check),
    ("max_leverage", max_leverage.check),
)

__all__ = ["DEFAULT_RULES", "RuleFn"]
