"""An in-memory stream transport: sessions the test ends, fails or feeds by hand."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal

from bot_v2.domain.market import Candle, Mark
from bot_v2.features.streaming import StreamClosed, StreamOutput


class FakeSession:
    def __init__(self, output: StreamOutput) -> None:
        self.output = output
        self._end = asyncio.Event()
        self.error: BaseException | None = None
        self.closed = False
        self.running = False

    async def run(self) -> None:
        self.running = True
        try:
            await self._end.wait()
            if self.error is not None:
                raise self.error
        finally:
            self.running = False

    async def close(self) -> None:
        self.closed = True
        self._end.set()

    def end(self, error: BaseException | None = None) -> None:
        """The peer goes away (StreamClosed unless another error is given)."""
        self.error = error if error is not None else StreamClosed("peer went away")
        self._end.set()

    def close_cleanly(self) -> None:
        self.error = None
        self._end.set()

    def push_mark(self, symbol: str, ts: int, price: str = "100") -> None:
        """What a parser does for one data message."""
        mark = Mark(symbol, Decimal(price), ts)
        self.output.market.append(mark)
        self.output.latest_marks[symbol] = mark
        self.output.counters.events += 1
        self.output.counters.data_messages += 1

    def push_candle(self, symbol: str, open_ms: int) -> None:
        one = Decimal(1)
        self.output.market.append(Candle(symbol, 60_000, open_ms, one, one, one, one, one))
        self.output.counters.events += 1
        self.output.counters.data_messages += 1


class FakeTransport:
    def __init__(self, rotate_after_s: float | None = None) -> None:
        self.rotate_after_s = rotate_after_s
        self.name = "fake"
        self.sessions: list[FakeSession] = []
        self.opened_with: list[tuple[str, ...]] = []
        self.refuse = 0
        self.raise_on_open: BaseException | None = None

    async def open(self, symbols: Sequence[str], output: StreamOutput) -> FakeSession:
        self.opened_with.append(tuple(symbols))
        if self.raise_on_open is not None:
            raise self.raise_on_open
        if self.refuse > 0:
            self.refuse -= 1
            raise StreamClosed("refused")
        session = FakeSession(output)
        self.sessions.append(session)
        return session

    @property
    def last(self) -> FakeSession:
        return self.sessions[-1]


class FakeMarketData:
    def __init__(self) -> None:
        self.calls = 0
        self.now_ms = 1_000
        self.fail = False
        self.newest_candles: list[tuple[str, int]] = []  # (symbol, newest open time) per fetch

    async def fetch_candles(
        self, symbol: str, timeframe_ms: int, since_ms: int | None, limit: int
    ) -> list[Candle]:
        # The latest `limit` closed candles, each poll answering one more.
        last = self.now_ms // timeframe_ms * timeframe_ms - timeframe_ms
        self.newest_candles.append((symbol, last))
        one = Decimal(1)
        return [
            Candle(symbol, timeframe_ms, t, one, one, one, one, one)
            for t in range(last - (limit - 1) * timeframe_ms, last + 1, timeframe_ms)
        ]

    async def fetch_marks(self, symbols: Sequence[str]) -> list[Mark]:
        self.calls += 1
        if self.fail:
            raise ConnectionError("REST down too")
        self.now_ms += 1
        return [Mark(s, Decimal("99"), self.now_ms) for s in symbols] + [
            Mark("XRP/USDT:USDT", Decimal(1), self.now_ms)  # not ours: ignored
        ]


async def eventually(predicate: object, timeout_s: float = 5.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():  # type: ignore[operator]
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.002)
    return True
