"""The strategies an ensemble may vote with, by name: per-candle built-ins (one line each). Kept here
rather than read from the registry, which lists the ensemble itself."""

from __future__ import annotations

from bot_v2.features.live_trade.strategies.baseline import BaselineStrategy
from bot_v2.features.live_trade.strategies.breakout import BreakoutStrategy
from bot_v2.features.live_trade.strategies.momentum import MomentumStrategy

MEMBERS: dict[str, type] = {
    cls.name: cls for cls in (BaselineStrategy, MomentumStrategy, BreakoutStrategy)
}
