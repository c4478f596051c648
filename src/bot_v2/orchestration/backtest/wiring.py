"""A backtest's container: the live bot's own, with providers overridden. The exchange is the sim
over the run's feed; the store lives in memory; the monitor and the operator API are quiet
stand-ins (a backtest serves nobody); the crash tests' fault hooks never apply. A fast run hands the
cycle only the candles closing at it (see skipping.py), and a probed strategy behind its router
(skip/probe.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dependency_injector import providers

from bot_v2.adapters.replay.clock import ReplayClock
from bot_v2.adapters.replay.feed import ReplayFeed
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration import factories
from bot_v2.orchestration.backtest.memory_store import MemoryStateStore
from bot_v2.orchestration.backtest.quiet import NoApi, QuietMonitor
from bot_v2.orchestration.backtest.skip.probe import routed
from bot_v2.orchestration.backtest.skipping import SkippingMarketData, skipping_quote_stream
from bot_v2.orchestration.config.models import BotConfig, Secrets
from bot_v2.orchestration.container import Container


def backtest_container(
    config: BotConfig, feed: ReplayFeed, fast: bool, on_report: Callable[[CycleReport], None]
) -> Container:
    # Nothing is written to a data directory: the store and the announcement are overridden.
    c = Container(config=config, secrets=Secrets(), data_dir=Path())
    c.replay_feed.override(providers.Object(feed))
    # Unpaced, and no stop request to race: a backtest runs to the feed's end.
    c.clock.override(providers.Singleton(ReplayClock, feed.timeline))
    c.store.override(providers.Singleton(MemoryStateStore))
    c.monitor.override(providers.Singleton(QuietMonitor))
    c.api.override(providers.Singleton(NoApi))
    c.control_desk.override(providers.Object(None))
    c.announce.override(providers.Object(lambda address: None))
    c.on_report.override(providers.Object(on_report))
    c.environ.override(providers.Object({}))
    # A replay warms up from its feed, never from request/response market data.
    c.market_data_source.override(providers.Object(None))
    # Candles as the feed has them (its own timeframe); a fast run's skip what it skipped.
    market_data = SkippingMarketData if fast else MarketDataService
    c.market_data.override(providers.Singleton(market_data, config.bot.symbols, feed.timeframe_ms))
    if fast:
        c.stream.override(providers.Singleton(skipping_quote_stream, feed, c.clock))
        # A probed strategy (skip/probe.py) runs one instance per symbol behind a router.
        c.strategy.override(
            providers.Singleton(routed, providers.Singleton(factories.strategy, config), feed)
        )
    c.check_dependencies()
    return c
