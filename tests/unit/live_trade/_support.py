"""Builders shared by the live_trade unit tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from bot_v2.domain.market import Candle
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position, apply_fill
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.strategies.base import Strategy

SYMBOL = "BTC/USDT:USDT"
HOUR_MS = 3_600_000


def candle(close: float | int | str | Decimal, index: int = 0, symbol: str = SYMBOL) -> Candle:
    price = Decimal(str(close))
    return Candle(symbol, HOUR_MS, index * HOUR_MS, price, price, price, price, Decimal(1))


def follow(
    strategy: Strategy, closes: Iterable[float | int | str | Decimal], symbol: str = SYMBOL
) -> list[Signal]:
    """Feed closes and act on each signal at once at that close, like a perfect executor."""
    position = Position(symbol)
    signals: list[Signal] = []
    for index, close in enumerate(closes):
        bar = candle(close, index, symbol)
        signal = strategy.on_candle(bar, position)
        signals.append(signal)
        position = act(position, signal.action, bar.close)
    return signals


def act(position: Position, action: Action, price: Decimal) -> Position:
    """Target one unit in the signal's direction (flipping through zero) or go flat."""
    target = {
        Action.OPEN_LONG: Decimal(1),
        Action.OPEN_SHORT: Decimal(-1),
        Action.CLOSE: Decimal(0),
    }
    if action not in target or position.size == target[action]:
        return position
    delta = target[action] - position.size
    side = Side.BUY if delta > 0 else Side.SELL
    return apply_fill(position, side, abs(delta), price).position


def actions(signals: Sequence[Signal]) -> list[tuple[int, Action]]:
    """(index, action) of the signals that are not HOLD."""
    return [(i, s.action) for i, s in enumerate(signals) if s.action is not Action.HOLD]
