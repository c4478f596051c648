"""Time-series momentum filtered by volatility (strategy.py), its params class beside it."""

from bot_v2.features.live_trade.strategies.momentum.params import MomentumParams
from bot_v2.features.live_trade.strategies.momentum.strategy import MomentumStrategy

__all__ = ["MomentumParams", "MomentumStrategy"]
