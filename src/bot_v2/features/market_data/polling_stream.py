"""PollingQuoteStream implements IQuoteStream over request/response market data: the stream used
where a venue has no websocket adapter or streaming is switched off. A background task asks for
the latest closed candles and marks; the cycle drains what arrived."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from bot_v2.domain.errors import BrokerError
from bot_v2.ports.market_data import IMarketData
from bot_v2.ports.quote_stream import MarketEvent

log = logging.getLogger(__name__)


class PollingQuoteStream:
    def __init__(
        self,
        source: IMarketData,
        timeframe_ms: int,
        interval_s: float,
        candles_per_poll: int = 3,
    ) -> None:
        self._source = source
        self._timeframe_ms = timeframe_ms
        self._interval_s = interval_s
        self._candles_per_poll = candles_per_poll
        self._symbols: tuple[str, ...] = ()
        self._buffer: list[MarketEvent] = []
        self._task: asyncio.Task[None] | None = None
        self.polls = 0
        self.failures = 0

    async def start(self, symbols: Sequence[str]) -> None:
        self._symbols = tuple(symbols)
        await self.poll_once()
        self._task = asyncio.create_task(self._loop(), name="polling-quote-stream")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def drain(self) -> list[MarketEvent]:
        events, self._buffer = self._buffer, []
        return events

    async def poll_once(self) -> None:
        """One round of requests; a failure is counted and logged, and the next round retries.
        Stale marks then block new entries through the risk rules, so failing quietly is safe."""
        try:
            for symbol in self._symbols:
                candles = await self._source.fetch_candles(
                    symbol, self._timeframe_ms, None, self._candles_per_poll
                )
                self._buffer.extend(candles)
            self._buffer.extend(await self._source.fetch_marks(self._symbols))
            self.polls += 1
        except BrokerError as exc:
            self.failures += 1
            log.warning("market data poll failed: %s", exc)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self.poll_once()
