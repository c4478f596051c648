"""A strategy sees only candles closed at the cycle's time: the orchestrator, the one door to a
strategy, refuses a candle that would still be open, before the strategy can read it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from bot_v2.domain.market import Candle
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.strategies.portfolio import PerCandle, Slot, StrategyBook
from bot_v2.features.live_trade.strategy_orchestrator import LookAhead, StrategyOrchestrator

HOUR = 3_600_000
SYMBOL = "BTC/USDT:USDT"


class _Flat:
    positions: Mapping[str, Position] = {}

    async def sync(self) -> object:
        return None


class _Peeker:
    """A strategy that would trade on the next candle if it were ever handed one."""

    name = "peeker"

    def __init__(self) -> None:
        self.seen: list[int] = []

    def warmup_candles(self) -> int:
        return 0

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        self.seen.append(candle.timestamp_ms)
        return Signal(candle.symbol, Action.HOLD)


def candle(open_ms: int) -> Candle:
    one = Decimal(1)
    return Candle(SYMBOL, HOUR, open_ms, one, one, one, one, one)


def orchestrator(strategy: _Peeker) -> StrategyOrchestrator:
    unused: Any = None  # HOLD never reaches execution or risk
    return StrategyOrchestrator(
        strategy, unused, {}, Decimal(1), Decimal(1), account=_Flat(), risk=unused
    )


def test_closed_candles_pass_and_the_next_one_cannot_be_read() -> None:
    peeker = _Peeker()
    now = 10 * HOUR
    asyncio.run(orchestrator(peeker).on_candles([candle(8 * HOUR), candle(9 * HOUR)], now))
    assert peeker.seen == [8 * HOUR, 9 * HOUR]
    with pytest.raises(LookAhead, match="closes at 39600000, after the cycle's time 36000000"):
        asyncio.run(orchestrator(peeker).on_candles([candle(10 * HOUR)], now))
    assert peeker.seen == [8 * HOUR, 9 * HOUR]


def test_a_book_of_slots_gets_the_same_door() -> None:
    peeker = _Peeker()
    book = StrategyBook([Slot("p", (SYMBOL,), Decimal(1), PerCandle(peeker))])
    unused: Any = None
    slots = StrategyOrchestrator(
        book, unused, {}, Decimal(1), Decimal(1), account=_Flat(), risk=unused
    )
    now = 10 * HOUR
    asyncio.run(slots.on_candles([candle(8 * HOUR), candle(9 * HOUR)], now))
    assert peeker.seen == [8 * HOUR, 9 * HOUR]
    with pytest.raises(LookAhead):
        asyncio.run(slots.on_candles([candle(9 * HOUR), candle(10 * HOUR)], now))
    # Refused whole: not even the closed candle beside it reached the strategy.
    assert peeker.seen == [8 * HOUR, 9 * HOUR]
