"""A weighted vote of named strategies per symbol (strategy.py), its params class beside it."""

from bot_v2.features.live_trade.strategies.ensemble.params import EnsembleParams
from bot_v2.features.live_trade.strategies.ensemble.strategy import EnsembleStrategy

__all__ = ["EnsembleParams", "EnsembleStrategy"]
