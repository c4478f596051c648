"""The replay's funding rates (IFundingRates): the LAST rate settled at or before the clock, by
bisecting each symbol's recorded funding series. Never the next recorded rate: that one is the
future at this point of the replay, and a backtest that saw it would trade on it."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from decimal import Decimal

from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.ports.clock import IClock


class ReplayFundingRates:
    def __init__(self, feed: ReplayFeed, clock: IClock) -> None:
        self._feed = feed
        self._clock = clock

    async def next_funding_rates(self, symbols: Sequence[str]) -> dict[str, Decimal]:
        now = self._clock.now_ms()
        rates = {}
        for symbol in symbols:
            series = self._feed.series.get(symbol)
            if series is None:
                continue
            i = bisect_right(series.funding_times, now)
            if i > 0:
                rates[symbol] = series.funding[i - 1].rate
        return rates
