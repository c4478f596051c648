"""Skippers: what a fast backtest needs to know about a strategy to jump over candles on which it
cannot act. The baseline has its vectorized twin; a per-candle strategy that declares
`independent_symbols = True` is probed (probe.py: the fast run hands the cycle a SymbolRouter); any
other strategy runs every candle through the cycle."""

from __future__ import annotations

from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.orchestration.backtest.skip.base import NeverSkip, Skipper
from bot_v2.orchestration.backtest.skip.baseline import BaselineSkipper
from bot_v2.orchestration.backtest.skip.probe import ProbeSkipper, SymbolRouter


def skipper_for(strategy: Strategy, feed: ReplayFeed) -> Skipper:
    if BaselineSkipper.handles(strategy):
        return BaselineSkipper(strategy, feed)
    if isinstance(strategy, SymbolRouter):
        return ProbeSkipper(strategy)
    return NeverSkip(feed)


__all__ = ["NeverSkip", "Skipper", "skipper_for"]
