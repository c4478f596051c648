"""Strategies over several symbols at once: the read-only history view, the PortfolioStrategy API,
the per-candle wrapper that fits a one-symbol strategy into it, and the StrategyBook of slots."""

from bot_v2.features.live_trade.strategies.portfolio.base import (
    Leg,
    PortfolioStrategy,
    is_portfolio,
)
from bot_v2.features.live_trade.strategies.portfolio.book import Slot, SlotSignal, StrategyBook
from bot_v2.features.live_trade.strategies.portfolio.per_candle import PerCandle
from bot_v2.features.live_trade.strategies.portfolio.results import SlotResult, SlotSpec, SlotTally
from bot_v2.features.live_trade.strategies.portfolio.view import (
    FundingSample,
    HistoryView,
    ReadAhead,
)

__all__ = [
    "FundingSample",
    "HistoryView",
    "Leg",
    "PerCandle",
    "PortfolioStrategy",
    "ReadAhead",
    "Slot",
    "SlotResult",
    "SlotSignal",
    "SlotSpec",
    "SlotTally",
    "StrategyBook",
    "is_portfolio",
]
