"""RestFallback: while the stream is down, polls REST marks (and, with a timeframe, the latest closed
candles) through IMarketData into the stream's output, until the stream is healthy again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from bot_v2.domain.market import Candle, Mark
from bot_v2.features.streaming.counters import StreamCounters
from bot_v2.features.streaming.errors import describe
from bot_v2.features.streaming.output import StreamOutput
from bot_v2.features.streaming.ratelimited_log import RateLimitedLog
from bot_v2.ports.market_data import IMarketData


class RestFallback:
    """Owned by StreamingService: `ensure` starts polling (after `after_s`, unless the stream is
    healthy by then), `cancel` stops it. Shares the service's output, counters and logs."""

    def __init__(
        self,
        market_data: IMarketData,
        *,
        name: str,
        output: StreamOutput,
        counters: StreamCounters,
        healthy: Callable[[], bool],
        after_s: float,
        poll_s: float,
        timeframe_ms: int | None,
        timeout_s: float,
        logger: logging.Logger,
        log: RateLimitedLog,
    ) -> None:
        self._market_data = market_data
        self._name = name
        self._output = output
        self._counters = counters
        self._healthy = healthy
        self._after_s = after_s
        self._poll_s = poll_s
        # With a timeframe the fallback also fetches the latest closed candles, so a long outage
        # does not starve the strategy; market data drops the ones it already has.
        self._timeframe_ms = timeframe_ms
        # Venue time at which the next closed candle is due (see _candles).
        self._candles_due_ms = 0
        self._timeout_s = timeout_s
        self._logger = logger
        self._log = log
        self._active = False
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        """True while polling (the wait of `after_s` before the first poll does not count)."""
        return self._active

    def ensure(self, symbols: Sequence[str]) -> None:
        """Start polling `symbols` unless a poller already runs."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(tuple(symbols)))

    def cancel(self) -> asyncio.Task[None] | None:
        """Stop polling; returns the cancelled task (None when none ran) for the caller to await."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        self._active = False
        return task

    async def _run(self, symbols: tuple[str, ...]) -> None:
        await asyncio.sleep(self._after_s)
        if self._healthy():
            return
        self._active = True
        self._counters.fallbacks += 1
        self._logger.warning(
            "%s: stream down; polling REST marks every %gs", self._name, self._poll_s
        )
        try:
            # The health check is a second guard: this task must never outlive a healthy stream.
            while not self._healthy():
                try:
                    async with asyncio.timeout(self._timeout_s):
                        marks = await self._market_data.fetch_marks(symbols)
                        candles = await self._candles(symbols, marks)
                except Exception as exc:
                    self._counters.fallback_errors += 1
                    self._log.warning(
                        "fallback", "%s: REST fallback failed: %s", self._name, describe(exc)
                    )
                else:
                    self._counters.fallback_polls += 1
                    self._output.market.extend(candles)
                    self._accept_marks(symbols, marks)
                await asyncio.sleep(self._poll_s)
        finally:
            self._active = False

    async def _candles(self, symbols: tuple[str, ...], marks: Sequence[Mark]) -> list[Candle]:
        """The latest closed candles, asked only once the venue's time (its marks') has passed the
        close of the next one: a poll every few seconds would otherwise fetch the same candle over
        and over, against the venue's rate limit, during the very outage it stands in for."""
        timeframe = self._timeframe_ms
        if timeframe is None:
            return []
        venue_now = max((m.timestamp_ms for m in marks), default=None)
        if venue_now is not None and venue_now < self._candles_due_ms:
            return []
        candles: list[Candle] = []
        for symbol in symbols:
            candles += await self._market_data.fetch_candles(symbol, timeframe, None, 2)
        if candles:
            self._candles_due_ms = max(c.timestamp_ms for c in candles) + 2 * timeframe
        return candles

    def _accept_marks(self, symbols: tuple[str, ...], marks: Sequence[Mark]) -> None:
        latest = self._output.latest_marks
        wanted = set(symbols)
        for mark in marks:
            if mark.symbol not in wanted:
                continue
            known = latest.get(mark.symbol)
            # Never step back in time: a REST answer may be older than the last streamed mark.
            if known is None or mark.timestamp_ms > known.timestamp_ms:
                self._output.add_mark(mark)
