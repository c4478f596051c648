"""Factory functions the container calls. Each builds one adapter from the config; heavy imports
(ccxt) happen inside the factory, so only a profile that chooses that adapter pays for them."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

# The ccxt package imports ccxt itself only when a broker is built, so sim profiles never pay for it.
from bot_v2.adapters.brokers.ccxt import RetryPolicy, create_ccxt_broker
from bot_v2.adapters.brokers.sim.broker import SimBroker
from bot_v2.adapters.brokers.sim.lookahead import SkipQuiet
from bot_v2.adapters.brokers.sim.markets import load_sim_markets
from bot_v2.adapters.brokers.sim.settings import SimSettings
from bot_v2.adapters.clock.live import LiveClock
from bot_v2.adapters.clock.stop import StopSignal
from bot_v2.adapters.replay.clock import ReplayClock
from bot_v2.adapters.replay.feed import ReplayFeed, load_feed
from bot_v2.adapters.venues.registry import venue
from bot_v2.domain.errors import ConfigError
from bot_v2.domain.market import MarketSpec
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.features.live_trade.strategies.portfolio import (
    PerCandle,
    PortfolioStrategy,
    Slot,
    StrategyBook,
    is_portfolio,
)
from bot_v2.features.market_data.polling_stream import PollingQuoteStream
from bot_v2.features.market_data.timeframes import timeframe_to_ms
from bot_v2.features.streaming.backoff import Backoff
from bot_v2.features.streaming.errors import NoStreamAdapter
from bot_v2.features.streaming.service import StreamingService
from bot_v2.orchestration.config.converter import runtime_value
from bot_v2.orchestration.config.models import BotConfig, Secrets
from bot_v2.orchestration.config.slots import slot_label, slot_strategy
from bot_v2.orchestration.config.strategy import strategy_params
from bot_v2.orchestration.strategy_source import StrategyNotFound
from bot_v2.ports.broker import IBroker
from bot_v2.ports.clock import IClock
from bot_v2.ports.market_data import IMarketData
from bot_v2.ports.quote_stream import IQuoteStream

log = logging.getLogger(__name__)


def timeframe_ms(config: BotConfig) -> int:
    return timeframe_to_ms(config.bot.timeframe)


def replay_feed(config: BotConfig) -> ReplayFeed:
    missing = [s for s in config.bot.symbols if s not in config.replay.candles]
    if missing:
        raise ConfigError([f"config.replay.candles: no candle file for {s}" for s in missing])
    return load_feed(
        {s: config.replay.candles[s] for s in config.bot.symbols},
        config.replay.mark,
        config.replay.funding,
        timeframe_ms(config),
    )


def replay_clock(config: BotConfig, feed: ReplayFeed, stop: StopSignal) -> IClock:
    return ReplayClock(feed.timeline, pace_s=float(config.replay.pace_ms) / 1000, stop=stop)


def sim_broker(config: BotConfig, feed: ReplayFeed, clock: IClock) -> IBroker:
    sim = config.broker.sim
    settings = sim_settings(config)
    return SimBroker(
        feed=feed,
        clock=clock,
        markets=load_sim_markets(
            config.bot.symbols, config.bot.quote_asset, _given_markets(config), feed.sources
        ),
        settings=settings,
        quote_asset=config.bot.quote_asset,
        state_path=Path(sim.state_path) if sim.state_path else None,
        # Skips quiet candles; lookahead.EveryCandle gives the same fills, one candle at a time.
        look_ahead=SkipQuiet,
    )


def sim_settings(config: BotConfig) -> SimSettings:
    """[broker.sim] as the exchange's settings; state_path is the broker's, not the exchange's."""
    return runtime_value(config.broker.sim, SimSettings)


def _given_markets(config: BotConfig) -> dict[str, MarketSpec]:
    """The config's `[markets."SYMBOL"]` rules as the domain's MarketSpec."""
    return {
        symbol: MarketSpec(
            symbol,
            r.tick_size,
            r.step_size,
            r.min_size,
            min_notional=r.min_notional,
            max_leverage=r.max_leverage,
        )
        for symbol, r in config.markets.items()
    }


def ccxt_broker(config: BotConfig, secrets: Secrets, stop: StopSignal) -> IBroker:
    return create_ccxt_broker(
        venue(config.broker.exchange),
        secrets.api_key,
        secrets.api_secret,
        secrets.api_password,
        ccxt_config=config.broker.ccxt_config,
        sandbox=config.broker.sandbox,
        quote_asset=config.bot.quote_asset,
        sleep=stop.backoff,
        stopping=lambda: stop.cutting,
        retry=RetryPolicy(max_retry_after_s=float(config.broker.max_retry_after_s)),
    )


def live_clock(config: BotConfig, stop: StopSignal) -> IClock:
    return LiveClock(float(config.bot.cycle_interval_s), stop=stop)


def live_stream(config: BotConfig, source: IMarketData) -> IQuoteStream:
    """The venue's websocket stream (REST marks while it is down) when streaming is on and the
    venue has an adapter; otherwise REST polling of candles and marks."""
    polling = PollingQuoteStream(
        source, timeframe_ms(config), interval_s=min(float(config.bot.cycle_interval_s), 10.0)
    )
    if not config.streaming.enabled:
        return polling
    s = config.streaming
    # websockets loads only for a profile that streams.
    from bot_v2.orchestration.streams import create_stream

    try:
        return create_stream(
            config.broker.exchange,
            config.bot.symbols,
            timeframe=config.bot.timeframe,
            heartbeat_s=float(s.heartbeat_s),
            fallback=source,
            fallback_after_s=float(s.fallback_after_s),
            fallback_poll_s=float(s.fallback_poll_s),
            url=s.url or None,
            backoff=Backoff(float(s.backoff_initial_s), float(s.backoff_max_s)),
        )
    except NoStreamAdapter as exc:
        log.warning("no websocket stream (%s); polling market data over REST instead", exc)
        return polling


@runtime_checkable
class ListenKeySource(Protocol):
    """A broker that can open the venue's private stream (CcxtBroker on binanceusdm)."""

    @property
    def has_user_stream(self) -> bool: ...

    async def obtain_listen_key(self) -> str: ...

    async def keepalive_listen_key(self, key: str) -> None: ...


def user_stream(config: BotConfig, broker: IBroker) -> StreamingService | None:
    """The venue's private stream (orders and fills as they happen) when `streaming.user_stream`
    is on and the venue has one; otherwise None, and fills come from the REST sync each cycle
    (which stays the backstop either way). The runtime's pump sets its `on_resync`."""
    s = config.streaming
    if not s.user_stream:
        return None
    exchange = config.broker.exchange
    if not (isinstance(broker, ListenKeySource) and broker.has_user_stream):
        log.warning(
            "no private user data stream for %s; fills come from the REST sync each cycle",
            exchange,
        )
        return None
    from bot_v2.orchestration.streams import create_user_stream

    try:
        return create_user_stream(
            exchange,
            broker.obtain_listen_key,
            broker.keepalive_listen_key,
            url=s.user_url or None,
            backoff=Backoff(float(s.backoff_initial_s), float(s.backoff_max_s)),
        )
    except NoStreamAdapter as exc:
        log.warning("%s; fills come from the REST sync each cycle", exc)
        return None


def strategy(config: BotConfig) -> Strategy:
    """The strategy named by [strategy], built from [strategy.params] structured into its params
    class (validation checked both already; orchestration/config/strategy.py); with [[strategies]]
    slots, or a strategy that decides over several symbols, a StrategyBook of them."""
    if config.strategies:
        return StrategyBook(
            [
                Slot(slot_label(s), s.symbols, s.allocation, _as_portfolio(slot_strategy(s)))
                for s in config.strategies
            ]
        )
    try:
        cls, params = strategy_params(config.strategy)
    except StrategyNotFound as exc:
        raise ConfigError([str(exc)]) from None
    except ValueError as exc:
        raise ConfigError([f"config.strategy.params: {exc}"]) from None
    built = cls(params)
    if is_portfolio(built):
        return StrategyBook([Slot(built.name, config.bot.symbols, Decimal(1), built)])
    single: Strategy = built
    return single


def _as_portfolio(strategy: Any) -> PortfolioStrategy:
    if is_portfolio(strategy):
        portfolio: PortfolioStrategy = strategy
        return portfolio
    return PerCandle(strategy)


def state_path(data_dir: Path) -> Path:
    return data_dir / "state.db"
