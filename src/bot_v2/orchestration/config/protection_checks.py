"""The checks of [protections] and [strategy.sizing] (docs/risk.md): their ranges, documented in
docs/configuration.md, and the relations between their keys."""

from __future__ import annotations

from typing import Any, Final

from bot_v2.features.live_trade.sizing.settings import METHODS
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.config.problems import Problem
from bot_v2.orchestration.config.ranges import Range

_DAY_S: Final = 86_400
_PCT: Final = Range(0, 1, high_open=True)
_SHARE: Final = Range(0, 1, low_open=True)
_COUNT: Final = Range(0, 1_000)
# The market data keeps 500 candles a symbol; the ATR needs one more than its window.
_CANDLES: Final = Range(3, 499)


def protection_checks(c: BotConfig) -> list[tuple[str, Any, Any]]:
    p = c.protections
    z = c.strategy.sizing
    return [
        ("protections.max_drawdown_pct", p.max_drawdown_pct, _PCT),
        ("protections.breaker_losses", p.breaker_losses, _COUNT),
        ("protections.breaker_incidents", p.breaker_incidents, _COUNT),
        ("protections.breaker_window_s", p.breaker_window_s, Range(1, 7 * _DAY_S)),
        ("protections.breaker_cooldown_s", p.breaker_cooldown_s, Range(0, 30 * _DAY_S)),
        ("protections.stopout_cooldown_s", p.stopout_cooldown_s, Range(0, 30 * _DAY_S)),
        ("protections.liquidation_min_atr", p.liquidation_min_atr, Range(0, 100)),
        ("protections.liquidation_min_pct", p.liquidation_min_pct, _PCT),
        ("protections.liquidation_reduce_pct", p.liquidation_reduce_pct, _PCT),
        ("protections.liquidation_reduce_fraction", p.liquidation_reduce_fraction, _SHARE),
        ("protections.maintenance_margin_rate", p.maintenance_margin_rate, Range(0, "0.5")),
        ("protections.funding_max_bps", p.funding_max_bps, Range(0, 10_000)),
        ("strategy.sizing.method", z.method, _one_of(METHODS)),
        ("strategy.sizing.notional", z.notional, Range(0, 10**12, low_open=True)),
        ("strategy.sizing.risk_pct", z.risk_pct, _SHARE),
        ("strategy.sizing.atr_window", z.atr_window, _CANDLES),
        ("strategy.sizing.kelly_fraction", z.kelly_fraction, _SHARE),
        ("strategy.sizing.kelly_min_trades", z.kelly_min_trades, Range(1, 100_000)),
        ("strategy.sizing.kelly_cap", z.kelly_cap, _SHARE),
        ("strategy.sizing.correlation_window", z.correlation_window, _CANDLES),
        ("strategy.sizing.correlation_threshold", z.correlation_threshold, Range(0, 1)),
        ("strategy.sizing.correlation_max_leverage", z.correlation_max_leverage, Range(0, 125)),
    ]


def protection_relations(c: BotConfig) -> list[Problem]:
    """An entry allowed at liquidation_min_pct must not be reduced at once by the reduce threshold."""
    p = c.protections
    in_range = _PCT.holds(p.liquidation_min_pct) and _PCT.holds(p.liquidation_reduce_pct)
    both_on = p.liquidation_min_pct > 0 and p.liquidation_reduce_pct > 0
    if in_range and both_on and p.liquidation_reduce_pct >= p.liquidation_min_pct:
        return [
            Problem(
                "protections.liquidation_reduce_pct",
                f"must be < protections.liquidation_min_pct ({p.liquidation_min_pct})",
                p.liquidation_reduce_pct,
                refs=("protections.liquidation_min_pct",),
            )
        ]
    return []


def _one_of(choices: tuple[str, ...]) -> Any:
    def check(path: str, value: Any) -> Problem | None:
        if value in choices:
            return None
        return Problem(path, "must be one of " + ", ".join(choices), value)

    return check
