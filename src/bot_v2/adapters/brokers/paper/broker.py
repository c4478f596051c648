"""PaperBroker: the sim exchange (its fees, slippage, margin and liquidation) trading on a live
venue's public market: the venue's market rules, its closed candles as they close, its funding
rates at each settlement. A background task refreshes the feed every `poll_s`; the exchange's time
is the feed's (the latest closed candle), so a market order executes at the last close plus the
spread and impact, as the sim does at the end of a recording. No call here is signed: the public
source holds no credentials."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

import attrs

from bot_v2.adapters.brokers.ccxt.public import PublicMarketData
from bot_v2.adapters.brokers.paper.feed import LiveFeed
from bot_v2.adapters.brokers.sim.broker import SimBroker
from bot_v2.adapters.brokers.sim.exchange import SimExchange
from bot_v2.adapters.brokers.sim.lookahead import EveryCandle
from bot_v2.adapters.brokers.sim.settings import SimSettings
from bot_v2.domain.errors import BrokerError
from bot_v2.domain.market import LeverageTier, MarketSpec

log = logging.getLogger(__name__)

TierSource = Callable[[str], tuple[LeverageTier, ...]]


class FeedClock:
    """The exchange's clock: the feed's time (IClock's now_ms is all the sim broker reads)."""

    def __init__(self, feed: LiveFeed) -> None:
        self._feed = feed

    def now_ms(self) -> int:
        now = self._feed.now_ms()
        if now is None:
            raise BrokerError("paper: no closed candle from the venue yet")
        return now

    async def wait_next(self) -> bool:  # IClock; the bot's own clock is the live one
        return True

    def progress(self) -> float | None:
        return None


class PaperBroker(SimBroker):
    def __init__(
        self,
        public: PublicMarketData,
        feed: LiveFeed,
        settings: SimSettings,
        quote_asset: str,
        state_path: Path | None,
        *,
        poll_s: float,
        given: Mapping[str, MarketSpec],
        snapshot_tiers: TierSource,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            feed,  # type: ignore[arg-type]  # LiveFeed reads like a ReplayFeed (series, sources)
            FeedClock(feed),
            {},
            settings,
            quote_asset,
            state_path,
            look_ahead=EveryCandle,
        )
        self.public = public
        self._live = feed
        self._poll_s = poll_s
        self._given = dict(given)
        self._snapshot_tiers = snapshot_tiers
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.public.start()
        specs = await self._venue_rules(self._live.symbols)
        self._markets = specs
        self.exchange = SimExchange(
            self._live.series, specs, self._settings, look_ahead=self._look_ahead()
        )
        await super().start()  # the exchange's own state, when the file has one
        if self.exchange.clock_ms is not None:
            self._live.resume_from(self.exchange.clock_ms)
        await self.refresh()
        self._task = asyncio.create_task(self._poll(), name="paper-feed")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            await super().close()
        finally:
            await self.public.close()

    async def refresh(self) -> None:
        """One poll of the venue: newer closed candles and funding into the exchange's market."""
        await self._live.refresh(self.public)
        self.exchange.extend_series(self._live.series)

    async def _poll(self) -> None:
        while True:
            await self._sleep(self._poll_s)
            try:
                await self.refresh()
            except BrokerError as exc:
                # The next poll tries again; the exchange waits at the last candle it has.
                log.warning("paper feed: %s", exc)
            except Exception:
                # A feed that died quietly would freeze the exchange with the bot still running.
                log.exception("paper feed: unexpected error; polling on")

    async def _venue_rules(self, symbols: Sequence[str]) -> dict[str, MarketSpec]:
        """The venue's own rules (tick, step, minimums, leverage tiers where public); a config
        spec wins; tiers the venue serves only signed come from the bundled snapshot."""
        specs = await self.public.load_markets([s for s in symbols if s not in self._given])
        specs.update({s: self._given[s] for s in symbols if s in self._given})
        for symbol, spec in specs.items():
            if not spec.tiers:
                tiers = self._snapshot_tiers(symbol)
                if tiers:
                    specs[symbol] = _with_tiers(spec, tiers)
        return specs


def _with_tiers(spec: MarketSpec, tiers: tuple[LeverageTier, ...]) -> MarketSpec:
    return attrs.evolve(spec, tiers=tiers, max_leverage=max(t.max_leverage for t in tiers))
