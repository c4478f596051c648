"""The one composition root. Selectors keyed by configuration swap adapters; tests override any
provider with a fake (`container.broker.override(...)`)."""

from __future__ import annotations

from dependency_injector import containers, providers

from bot_v2.adapters.clock.stop import StopSignal
from bot_v2.adapters.http.operator_api import OperatorApiServer
from bot_v2.adapters.replay.market_data import ReplayMarketData
from bot_v2.adapters.replay.stream import ReplayQuoteStream
from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.monitoring.system_monitor import SystemMonitor
from bot_v2.orchestration import factories
from bot_v2.orchestration.config.models import BotConfig, Secrets


def _market_kind(config: BotConfig) -> str:
    """The sim exchange replays recorded data with its own clock; every other venue is live."""
    return "replay" if config.broker.kind == "sim" else "live"


class Container(containers.DeclarativeContainer):
    config = providers.Dependency(instance_of=BotConfig)
    secrets = providers.Dependency(instance_of=Secrets)
    data_dir = providers.Dependency()

    market_kind = providers.Callable(_market_kind, config)
    broker_kind = providers.Callable(lambda c: c.broker.kind, config)

    replay_feed = providers.Singleton(factories.replay_feed, config)
    # The run's stop request: the bot sets it; the clock's and the broker's waits end on it.
    stop = providers.Singleton(StopSignal)

    clock = providers.Selector(
        market_kind,
        replay=providers.Singleton(factories.replay_clock, config, replay_feed, stop),
        live=providers.Singleton(factories.live_clock, config, stop),
    )

    broker = providers.Selector(
        broker_kind,
        sim=providers.Singleton(factories.sim_broker, config, replay_feed, clock),
        ccxt=providers.Singleton(factories.ccxt_broker, config, secrets, stop),
    )

    # Request/response market data: the replay answers for the sim; a live venue's broker does.
    market_data_source = providers.Selector(
        market_kind,
        replay=providers.Singleton(ReplayMarketData, replay_feed, clock),
        live=broker,
    )

    stream = providers.Selector(
        market_kind,
        replay=providers.Singleton(ReplayQuoteStream, replay_feed, clock),
        live=providers.Singleton(factories.live_stream, config, broker),
    )

    # Orders and fills pushed by the venue; none in a replay (the sim books fills through REST-like
    # calls), None where the venue has no private stream or streaming.user_stream is off.
    user_stream = providers.Selector(
        market_kind,
        replay=providers.Object(None),
        live=providers.Singleton(factories.user_stream, config, broker),
    )

    store = providers.Singleton(
        SqliteStateStore, providers.Callable(factories.state_path, data_dir)
    )
    monitor = providers.Singleton(
        SystemMonitor,
        providers.Callable(lambda c: c.profile, config),
        providers.Callable(lambda c: c.bot.id, config),
        unhealthy_after_failed_cycles=providers.Callable(
            lambda c: c.monitoring.unhealthy_after_failed_cycles, config
        ),
    )
    api = providers.Singleton(
        OperatorApiServer,
        monitor,
        providers.Callable(lambda c: c.monitoring.http_host, config),
        providers.Callable(lambda c: c.monitoring.http_port, config),
    )
    market_data = providers.Singleton(
        MarketDataService,
        providers.Callable(lambda c: c.bot.symbols, config),
        providers.Callable(factories.timeframe_ms, config),
    )
    strategy = providers.Singleton(factories.strategy, config)
