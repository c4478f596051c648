"""Skippers: what a fast backtest needs to know about a strategy to jump over candles on which it
cannot act. One per strategy name; a strategy without one runs every candle through the cycle."""

from __future__ import annotations

from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.orchestration.backtest.skip.base import NeverSkip, Skipper
from bot_v2.orchestration.backtest.skip.baseline import BaselineSkipper


def skipper_for(strategy: Strategy, feed: ReplayFeed) -> Skipper:
    if BaselineSkipper.handles(strategy):
        return BaselineSkipper(strategy, feed)
    return NeverSkip(feed)


__all__ = ["NeverSkip", "Skipper", "skipper_for"]
