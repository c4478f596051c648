"""Helpers for the stream integration tests: bounded waits, a REST fallback fake, fast settings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from bot_v2.adapters.streams.ws import WsOptions
from bot_v2.domain.market import Candle, Mark
from bot_v2.features.streaming import Backoff, StreamingService
from bot_v2.ports.quote_stream import MarketEvent

# Loopback only: no proxy from the environment, short timeouts so a broken test fails fast.
WS = WsOptions(proxy=None, open_timeout_s=2.0, close_timeout_s=0.5)
WAIT_S = 5.0


def fast_backoff(seed: int = 7) -> Backoff:
    return Backoff(initial_s=0.01, max_s=0.05, jitter=0.5, seed=seed)


async def eventually(predicate: Callable[[], bool], timeout_s: float = WAIT_S) -> bool:
    """Poll until the predicate holds; False after the (generous) bound."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


async def settle(service: StreamingService, venue: Any) -> bool:
    """Pause the venue and wait until the client has read every frame it was sent (no fault may
    have lost frames on the way for this to hold)."""
    venue.paused = True
    return await eventually(lambda: service.stats().messages == venue.frames_sent)


class Collector:
    """Drains the service like the runtime does each cycle, keeping everything it got."""

    def __init__(self, service: StreamingService) -> None:
        self.service = service
        self.events: list[MarketEvent] = []

    def drain(self) -> list[MarketEvent]:
        fresh = self.service.drain()
        self.events.extend(fresh)
        return fresh

    def candles(self, symbol: str) -> list[int]:
        return [e.timestamp_ms for e in self.events if type(e) is Candle and e.symbol == symbol]

    def marks(self, symbol: str) -> list[Mark]:
        return [e for e in self.events if type(e) is Mark and e.symbol == symbol]


class FakeRestMarketData:
    """IMarketData fake for the fallback: answers with the loopback venue's current prices."""

    REST_TAG = Decimal("0.001")

    def __init__(self, venue: object, symbols: dict[str, str]) -> None:
        self.venue = venue
        self.wire = symbols  # unified -> venue id
        self.calls = 0

    async def fetch_candles(
        self, symbol: str, timeframe_ms: int, since_ms: int | None, limit: int
    ) -> list[Candle]:
        return []

    async def fetch_marks(self, symbols: Sequence[str]) -> list[Mark]:
        self.calls += 1
        now_ms: int = self.venue.now_ms  # type: ignore[attr-defined]
        prices: dict[str, Decimal] = self.venue.price  # type: ignore[attr-defined]
        # A tag in the last digits tells REST marks from streamed ones.
        return [Mark(s, prices[self.wire[s]] + self.REST_TAG, now_ms) for s in symbols]

    @classmethod
    def answered(cls, mark: Mark) -> bool:
        """True for a mark this fake produced (venue prices move in steps of 0.5)."""
        return mark.price % Decimal("0.5") == cls.REST_TAG


def assert_once_in_order(candles: list[int]) -> None:
    assert candles == sorted(set(candles)), f"candles repeated or out of order: {candles}"


def assert_marks_move_forward(marks: list[Mark]) -> None:
    stamps = [m.timestamp_ms for m in marks]
    assert stamps == sorted(stamps), "a mark went back in time"
