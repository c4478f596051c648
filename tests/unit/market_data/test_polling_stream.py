import asyncio
from collections.abc import Sequence
from decimal import Decimal

from bot_v2.domain.errors import ExchangeUnavailable
from bot_v2.domain.market import Candle, Mark
from bot_v2.features.market_data.polling_stream import PollingQuoteStream
from bot_v2.features.market_data.service import MarketDataService

M = 60_000
BTC = "BTC/USDT:USDT"


class ScriptedSource:
    """A port fake: each call answers the next closed candle; `down` makes calls fail."""

    def __init__(self) -> None:
        self.now = 3 * M
        self.down = False

    async def fetch_candles(
        self, symbol: str, timeframe_ms: int, since_ms: int | None, limit: int
    ) -> list[Candle]:
        if self.down:
            raise ExchangeUnavailable("503")
        closed = range(0, self.now, timeframe_ms)
        one = Decimal(1)
        return [Candle(symbol, timeframe_ms, t, one, one, one, one, one) for t in closed][-limit:]

    async def fetch_marks(self, symbols: Sequence[str]) -> list[Mark]:
        return [Mark(s, Decimal(2), self.now) for s in symbols]


def test_polls_deliver_each_closed_candle_once_through_market_data() -> None:
    async def scenario() -> list[int]:
        source = ScriptedSource()
        stream = PollingQuoteStream(source, M, interval_s=3600)
        md = MarketDataService([BTC], M)
        await stream.start([BTC])
        seen = [c.timestamp_ms for c in md.ingest(stream.drain()).new_candles]
        source.now += M
        await stream.poll_once()
        await stream.poll_once()  # the same candles again: must not be counted twice
        seen += [c.timestamp_ms for c in md.ingest(stream.drain()).new_candles]
        await stream.stop()
        return seen

    assert asyncio.run(scenario()) == [0, M, 2 * M, 3 * M]


def test_a_failed_poll_is_counted_and_the_next_one_recovers() -> None:
    async def scenario() -> tuple[int, int, int]:
        source = ScriptedSource()
        stream = PollingQuoteStream(source, M, interval_s=3600)
        source.down = True
        await stream.start([BTC])
        empty = len(stream.drain())
        source.down = False
        await stream.poll_once()
        await stream.stop()
        return stream.failures, empty, len(stream.drain())

    failures, empty, events = asyncio.run(scenario())
    assert (failures, empty) == (1, 0)
    assert events == 4  # three candles and a mark


def test_background_task_polls_until_stopped() -> None:
    async def scenario() -> int:
        stream = PollingQuoteStream(ScriptedSource(), M, interval_s=0.001)
        await stream.start([BTC])
        for _ in range(200):
            if stream.polls >= 3:
                break
            await asyncio.sleep(0.005)
        await stream.stop()
        return stream.polls

    assert asyncio.run(scenario()) >= 3
