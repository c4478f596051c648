"""A strategy's parameters changed at run time (POST /api/v1/control/strategy_params): validated
exactly like the config file (the same converter, range checks and profile caps), then a fresh
strategy is built from the new [strategy] table and warmed up on the candles market data holds, so
its indicators start where the old one's were."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from bot_v2.domain.errors import ConfigError
from bot_v2.domain.market import Candle
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.orchestration import factories
from bot_v2.orchestration.config.caps import cap_problems
from bot_v2.orchestration.config.converter import make_converter
from bot_v2.orchestration.config.models import BotConfig, StrategySection
from bot_v2.orchestration.config.problems import structure_error_lines
from bot_v2.orchestration.config.validation import validate

# Set once at start: the name (and file) picks the code, the venue's leverage is set on it at
# start, and exits, sizing and entry are built into the protection, sizer and maker desk at start:
# a control that said "applied" for them would change nothing.
FIXED_AT_START: Final = ("name", "file", "leverage", "exits", "sizing", "entry")
_SECTION_KEYS: Final = frozenset(f.name for f in attrs.fields(StrategySection)) - {"params"}


def revised(config: BotConfig, params: Mapping[str, Any]) -> BotConfig:
    """`config` with [strategy] keys replaced by `params`, or ConfigError with one line a problem."""
    if config.strategies and any(k not in _SECTION_KEYS for k in params):
        # [strategy.params] feeds no strategy when slots run: a change there would do nothing.
        raise ConfigError(
            [
                "config.strategy.params: this bot runs [[strategies]] slots; "
                "name the slot whose parameters change (its label or index)"
            ]
        )
    for key in FIXED_AT_START:
        if key in params:
            raise ConfigError([f"config.strategy.{key}: changes only at the next start"])
    if not params:
        raise ConfigError(["config.strategy: name at least one parameter to change"])
    converter = make_converter()
    data = converter.unstructure(config)
    # Keys of [strategy] itself (position_fraction ...) stay there; the rest are the strategy's own
    # parameters, under [strategy.params] as in the config file.
    own = {k: v for k, v in params.items() if k in _SECTION_KEYS}
    strategy_params = {k: v for k, v in params.items() if k not in _SECTION_KEYS}
    strategy = {**data["strategy"], **own}
    if strategy_params:
        strategy["params"] = merged(strategy.get("params") or {}, strategy_params)
    data["strategy"] = strategy
    return checked(data)


def checked(data: Mapping[str, Any]) -> BotConfig:
    """Unstructured config data as the loader would take it: structured by the one converter,
    validated and capped by the profile, or ConfigError with one line a problem."""
    try:
        candidate = make_converter().structure(data, BotConfig)
    except Exception as exc:
        raise ConfigError(structure_error_lines(exc)) from None
    candidate, problems = validate(candidate)
    problems += cap_problems(candidate)
    if problems:
        raise ConfigError([problem.line() for problem in problems])
    return candidate


def merged(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """`old` with `new`'s keys, a table merged key by key (an ensemble member's table keeps the
    keys the change does not name), as a later config layer merges into an earlier one."""
    out = dict(old)
    for key, value in new.items():
        before = out.get(key)
        both = isinstance(before, Mapping) and isinstance(value, Mapping)
        out[key] = merged(before, value) if both else value  # type: ignore[arg-type]
    return out


def changed_keys(old: BotConfig, new: BotConfig) -> dict[str, str]:
    before, after = _flat(old.strategy), _flat(new.strategy)
    return {key: str(value) for key, value in after.items() if before.get(key) != value}


def _flat(section: StrategySection) -> dict[str, Any]:
    """[strategy] with its params beside its own keys, as a control names them."""
    keys = attrs.asdict(section)
    params = keys.pop("params", None) or {}
    return {**keys, **params}


def warmed_strategy(config: BotConfig, market_data: MarketDataService, ledger: Ledger) -> Strategy:
    """The strategy [strategy] names, fed the candles market data holds but this cycle's new ones
    (flat until each symbol's last, which sees the position held now), its signals ignored: those
    moments passed. This cycle's new candles (ingested before the controls apply) then reach it
    through the cycle like any, so it sees each candle once."""
    strategy = factories.strategy(config)
    for symbol, candles in handed(market_data, market_data.symbols).items():
        for index, candle in enumerate(candles):
            held = ledger.position(symbol) if index == len(candles) - 1 else Position(symbol)
            strategy.on_candle(candle, held)
    return strategy


def handed(market_data: MarketDataService, symbols: Iterable[str]) -> dict[str, list[Candle]]:
    """Per symbol, the candles market data holds that the running strategy was handed already:
    all but the newest ingest's (this cycle's, not decided on yet when a control applies)."""
    pending = {(c.symbol, c.timestamp_ms) for c in market_data.last_new}
    return {
        symbol: [c for c in market_data.candles(symbol) if (symbol, c.timestamp_ms) not in pending]
        for symbol in symbols
    }
