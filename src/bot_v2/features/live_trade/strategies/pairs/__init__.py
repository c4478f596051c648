"""Statistical arbitrage on two symbols (strategy.py), its params class beside it."""

from bot_v2.features.live_trade.strategies.pairs.params import PairsParams
from bot_v2.features.live_trade.strategies.pairs.strategy import PairsStrategy

__all__ = ["PairsParams", "PairsStrategy"]
