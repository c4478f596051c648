"""How big a position to target, in base units, within the market's rules and the risk limits.
One file per method (fixed_fraction, fixed_notional, volatility_target, kelly), the correlation cap
(correlation.py) and the bound every method passes through (bounds.py); sizer.py picks the method
the `[strategy.sizing]` section names."""

from __future__ import annotations

from bot_v2.features.live_trade.sizing.fixed_fraction import target_size

__all__ = ["target_size"]
