"""What the runtime needs from a strategy."""

from __future__ import annotations

from typing import Protocol

from bot_v2.domain.market import Candle
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Signal


class Strategy(Protocol):
    """One instance serves every symbol; it keeps per-symbol state keyed by `candle.symbol`.

    `on_candle` gets each closed candle once, in time order, with the position as it stands now, and
    answers the target direction. No entry comes before `warmup_candles()` candles have been seen
    (exits such as a trailing stop on a position held from before may).
    """

    name: str

    def on_candle(self, candle: Candle, position: Position) -> Signal: ...

    def warmup_candles(self) -> int: ...
