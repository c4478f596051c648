"""Resuming a replay after a restart. A live clock simply is later than the stored state; a replay
clock starts at its first candle, so it is moved to where the stored state ends (the exchange it
trades on has lived on to that time) and the candles it passes warm the strategy up, unacted."""

from __future__ import annotations

import logging

from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.ports.clock import IClock
from bot_v2.ports.market_data import IMarketData
from bot_v2.ports.quote_stream import IQuoteStream, MarketEvent

log = logging.getLogger(__name__)


async def advance_clock(clock: IClock, until_ms: int) -> int:
    """Step a replay clock (one that knows its end) to the first tick at or after `until_ms`, so
    the next cycle is the one after the last the store saw. Returns the ticks taken."""
    progress = clock.progress()
    if progress is None or until_ms <= 0:
        return 0
    # Before its first tick a replay clock reads its first time without being there yet.
    started = progress > 0
    now = clock.now_ms()
    if now > until_ms or (started and now == until_ms):
        return 0
    ticks = 0
    while await clock.wait_next():
        ticks += 1
        if clock.now_ms() >= until_ms:
            break
    return ticks


def warm_up(
    stream: IQuoteStream, market_data: MarketDataService, strategy: Strategy, ledger: Ledger
) -> int:
    """Feed what the stream holds up to now to market data and the strategy, ignoring its signals:
    those moments have passed."""
    return _warm(stream.drain(), market_data, strategy, ledger)


async def warm_up_live(
    source: IMarketData,
    market_data: MarketDataService,
    strategy: Strategy,
    ledger: Ledger,
) -> int:
    """A live start: fetch enough closed candles for the strategy's indicators and feed them,
    unacted, exactly as a restarted replay does. Only candles that close after this act."""
    events: list[MarketEvent] = []
    for symbol in market_data.symbols:
        events += await source.fetch_candles(
            symbol, market_data.timeframe_ms, None, strategy.warmup_candles()
        )
    return _warm(events, market_data, strategy, ledger)


def _warm(
    events: list[MarketEvent], market_data: MarketDataService, strategy: Strategy, ledger: Ledger
) -> int:
    """The strategy sees flat until each symbol's last candle, which gets the position held now,
    so a trailing stop starts from the entry price, not from history."""
    candles = market_data.ingest(events).new_candles
    last = {c.symbol: i for i, c in enumerate(candles)}
    for i, candle in enumerate(candles):
        held = ledger.position(candle.symbol) if last[candle.symbol] == i else None
        strategy.on_candle(candle, held or Position(candle.symbol))
    return len(candles)
