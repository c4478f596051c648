"""The seed system's baseline strategy: a moving-average crossover (strategy.py) with its params
class beside it (params.py)."""

from bot_v2.features.live_trade.strategies.baseline.params import BaselineParams
from bot_v2.features.live_trade.strategies.baseline.strategy import BaselineStrategy, BaselineView

__all__ = ["BaselineParams", "BaselineStrategy", "BaselineView"]
