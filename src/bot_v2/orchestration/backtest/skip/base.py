"""The skipper protocol, and the skipper that skips nothing."""

from __future__ import annotations

from typing import Protocol

from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.domain.positions import Position


class Skipper(Protocol):
    def next_candle(self, symbol: str, start: int, position: Position) -> int:
        """The first candle index >= start that must go through the strategy, given that the
        position stays as it is; len(series) when none must."""

    def skip(self, symbol: str, start: int, stop: int, position: Position) -> None:
        """Move the strategy's state over candles [start, stop), as if it had seen each of them
        with `position` and answered HOLD. Only called when next_candle(start) >= stop."""


class NeverSkip:
    def __init__(self, feed: ReplayFeed) -> None:
        self._feed = feed

    def next_candle(self, symbol: str, start: int, position: Position) -> int:
        return start

    def skip(self, symbol: str, start: int, stop: int, position: Position) -> None:
        if stop > start:
            raise RuntimeError("NeverSkip cannot move a strategy over candles")
