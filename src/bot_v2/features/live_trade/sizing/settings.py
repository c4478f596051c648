"""The runtime value of `[strategy.sizing]` (docs/risk.md, "Sizing")."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import attrs

METHODS: Final = ("fixed_fraction", "fixed_notional", "volatility_target", "kelly")


@attrs.frozen
class Sizing:
    method: str = "fixed_fraction"
    # fixed_notional: the position's notional in the quote asset.
    notional: Decimal = Decimal(1000)
    # volatility_target: one ATR move against the position costs this fraction of equity.
    risk_pct: Decimal = Decimal("0.01")
    atr_window: int = 14
    # kelly: this share of the Kelly fraction of the strategy's own closed trades, at most
    # kelly_cap, once kelly_min_trades trades have closed (before: the fixed fraction).
    kelly_fraction: Decimal = Decimal("0.5")
    kelly_min_trades: int = 30
    kelly_cap: Decimal = Decimal("0.25")
    # The correlation cap (every method): positions whose returns correlate at least
    # correlation_threshold with the new one's direction, plus it, may not exceed
    # correlation_max_leverage x equity in notional; 0 turns the cap off.
    correlation_window: int = 48
    correlation_threshold: Decimal = Decimal("0.7")
    correlation_max_leverage: Decimal = Decimal(0)
