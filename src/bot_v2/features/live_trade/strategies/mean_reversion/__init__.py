"""Mean reversion: z-score (Bollinger) entries confirmed by RSI, exit at the mean (strategy.py), its
params class beside it."""

from bot_v2.features.live_trade.strategies.mean_reversion.params import MeanReversionParams
from bot_v2.features.live_trade.strategies.mean_reversion.strategy import MeanReversionStrategy

__all__ = ["MeanReversionParams", "MeanReversionStrategy"]
