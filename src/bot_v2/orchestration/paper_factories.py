"""Factory functions for the paper profile: the venue's public market data (no credentials) and the
sim exchange trading on it (adapters/brokers/paper)."""

from __future__ import annotations

from pathlib import Path

from bot_v2.adapters.brokers.ccxt.public import PublicMarketData
from bot_v2.adapters.brokers.ccxt.retry import RetryPolicy
from bot_v2.adapters.brokers.paper.broker import PaperBroker
from bot_v2.adapters.brokers.paper.feed import LiveFeed
from bot_v2.adapters.brokers.sim.markets import load_sim_markets
from bot_v2.adapters.clock.stop import StopSignal
from bot_v2.adapters.venues.registry import venue
from bot_v2.domain.errors import ConfigError, DataError
from bot_v2.domain.market import LeverageTier
from bot_v2.orchestration import factories
from bot_v2.orchestration.config.models import BotConfig

# The venue whose leverage tiers are bundled (Binance serves them only signed).
BUNDLED_TIERS_VENUE = "binanceusdm"
SIM_STATE_FILE = "paper-sim.db"


def public_market_data(config: BotConfig, stop: StopSignal) -> PublicMarketData:
    """Takes no Secrets: there is nothing it could sign with."""
    return PublicMarketData(
        venue(config.broker.exchange),
        ccxt_config=config.broker.ccxt_config,
        sandbox=config.broker.sandbox,
        quote_asset=config.bot.quote_asset,
        sleep=stop.backoff,
        stopping=lambda: stop.cutting,
        retry=RetryPolicy(max_retry_after_s=float(config.broker.max_retry_after_s)),
    )


def paper_broker(config: BotConfig, public: PublicMarketData, data_dir: Path) -> PaperBroker:
    sim = config.broker.sim
    # Persisted by default, in the data directory: a restarted paper bot resumes its account.
    state_path = Path(sim.state_path) if sim.state_path else Path(data_dir) / SIM_STATE_FILE
    exchange = config.broker.exchange
    return PaperBroker(
        public,
        LiveFeed(config.bot.symbols, factories.timeframe_ms(config)),
        factories.sim_settings(config),
        config.bot.quote_asset,
        state_path,
        poll_s=min(float(config.bot.cycle_interval_s), 10.0),
        given=factories._given_markets(config),
        snapshot_tiers=lambda symbol: _bundled_tiers(exchange, symbol, config.bot.quote_asset),
    )


def _bundled_tiers(exchange: str, symbol: str, quote: str) -> tuple[LeverageTier, ...]:
    """Binance's tiers from the bundled snapshot, for the symbols it has; other venues whose tiers
    need a key trade on the single tier of the market's maximum leverage."""
    if exchange != BUNDLED_TIERS_VENUE:
        return ()
    try:
        return load_sim_markets([symbol], quote)[symbol].tiers
    except (ConfigError, DataError):
        return ()
