"""The default rule set, in the order it runs. A new rule is one file here plus one line below."""

from __future__ import annotations

from bot_v2.features.live_trade.risk.context import RuleFn
from bot_v2.features.live_trade.risk.rules import (
    circuit_breaker,
    daily_loss,
    drawdown_halt,
    funding_guard,
    kill_switch,
    liquidation_distance,
    max_leverage,
    max_order_notional,
    pending_order,
    reduce_only_mode,
    stale_mark,
    symbol_cooldown,
    symbol_exposure,
    total_exposure,
)

DEFAULT_RULES: tuple[tuple[str, RuleFn], ...] = (
    ("kill_switch", kill_switch.check),
    ("drawdown_halt", drawdown_halt.check),
    ("reduce_only", reduce_only_mode.check),
    ("pending_order", pending_order.check),
    ("stale_mark", stale_mark.check),
    ("daily_loss", daily_loss.check),
    ("max_order_notional", max_order_notional.check),
    ("symbol_exposure", symbol_exposure.check),
    ("total_exposure", total_exposure.check),
    ("max_leverage", max_leverage.check),
    ("circuit_breaker", circuit_breaker.check),
    ("symbol_cooldown", symbol_cooldown.check),
    ("liquidation_distance", liquidation_distance.check),
    ("funding_guard", funding_guard.check),
)

__all__ = ["DEFAULT_RULES", "RuleFn"]
