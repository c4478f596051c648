"""The runtime values of [protections] and [strategy.sizing], and the sizer built from them (the
container's providers call these)."""

from __future__ import annotations

import attrs

from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.market_stats import CandleSource
from bot_v2.features.live_trade.risk.protections import Protections
from bot_v2.features.live_trade.sizing.settings import Sizing
from bot_v2.features.live_trade.sizing.sizer import Sizer, candle_correlation, closed_nets
from bot_v2.orchestration.config.converter import runtime_value
from bot_v2.orchestration.config.models import BotConfig


def protections(config: BotConfig) -> Protections:
    p = config.protections
    value = runtime_value(p, Protections)
    # Durations are configured in seconds and kept in clock milliseconds.
    return attrs.evolve(
        value,
        breaker_window_ms=int(p.breaker_window_s * 1000),
        breaker_cooldown_ms=int(p.breaker_cooldown_s * 1000),
        stopout_cooldown_ms=int(p.stopout_cooldown_s * 1000),
    )


def sizing(config: BotConfig) -> Sizing:
    return runtime_value(config.strategy.sizing, Sizing)


def sizer(config: BotConfig, limits: RiskLimits, ledger: Ledger, candles: CandleSource) -> Sizer:
    s = sizing(config)
    return Sizer(
        s,
        limits,
        config.strategy.position_fraction,
        config.strategy.leverage,
        trades=closed_nets(lambda: ledger.closed_trades),
        corr=candle_correlation(candles, s.correlation_window),
    )
