"""Donchian channel breakout with an ATR stop (strategy.py), its params class beside it."""

from bot_v2.features.live_trade.strategies.breakout.params import BreakoutParams
from bot_v2.features.live_trade.strategies.breakout.strategy import BreakoutStrategy

__all__ = ["BreakoutParams", "BreakoutStrategy"]
