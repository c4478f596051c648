"""Volatility expansion: a Bollinger squeeze inside the Keltner channel, then trade the break
(strategy.py), its params class beside it."""

from bot_v2.features.live_trade.strategies.volatility_expansion.params import (
    VolatilityExpansionParams,
)
from bot_v2.features.live_trade.strategies.volatility_expansion.strategy import (
    VolatilityExpansionStrategy,
)

__all__ = ["VolatilityExpansionParams", "VolatilityExpansionStrategy"]
