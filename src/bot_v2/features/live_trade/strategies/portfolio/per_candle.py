"""PerCandle: a one-symbol strategy (on_candle) seen as a portfolio strategy, so a slot can hold any
strategy. Each fresh candle goes to the wrapped strategy once, in the order the cycle delivered
them, exactly as the single-strategy orchestrator hands them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.features.live_trade.strategies.portfolio.view import HistoryView


class PerCandle:
    def __init__(self, strategy: Strategy) -> None:
        self.inner = strategy
        self.name = strategy.name

    def warmup_candles(self) -> int:
        return self.inner.warmup_candles()

    def decide(self, view: HistoryView, positions: Mapping[str, Position]) -> Sequence[Signal]:
        out = []
        for symbol in view.fresh:
            position = positions.get(symbol) or Position(symbol)
            signal = self.inner.on_candle(view.candle(symbol), position)
            if signal.action is not Action.HOLD:
                out.append(signal)
        return out
