"""The built-in strategies by name. A built-in is a folder (strategy and params class) plus one line
in `STRATEGIES`; user strategies come from a file or an entry point (orchestration/strategy_source)."""

from __future__ import annotations

from typing import Any

from bot_v2.features.live_trade.strategies.base import Strategy, api_problem
from bot_v2.features.live_trade.strategies.baseline import BaselineStrategy
from bot_v2.features.live_trade.strategies.breakout import BreakoutStrategy
from bot_v2.features.live_trade.strategies.ensemble import EnsembleStrategy
from bot_v2.features.live_trade.strategies.funding_carry import FundingCarryStrategy
from bot_v2.features.live_trade.strategies.mean_reversion import MeanReversionStrategy
from bot_v2.features.live_trade.strategies.momentum import MomentumStrategy
from bot_v2.features.live_trade.strategies.pairs import PairsStrategy
from bot_v2.features.live_trade.strategies.regime import RegimeStrategy
from bot_v2.features.live_trade.strategies.volatility_expansion import VolatilityExpansionStrategy


def registry_of(*classes: type) -> dict[str, type]:
    """Name -> class, refusing a class that does not have the strategy API or repeats a name."""
    out: dict[str, type] = {}
    for cls in classes:
        problem = api_problem(cls)
        if problem is not None:
            raise TypeError(problem)
        name: str = getattr(cls, "name")  # noqa: B009 - checked by api_problem
        if name in out:
            raise TypeError(f"two strategies are named {name!r}")
        out[name] = cls
    return out


STRATEGIES: dict[str, type] = registry_of(
    BaselineStrategy,
    MomentumStrategy,
    BreakoutStrategy,
    PairsStrategy,
    EnsembleStrategy,
    MeanReversionStrategy,
    VolatilityExpansionStrategy,
    RegimeStrategy,
    FundingCarryStrategy,
)


def strategy_class(name: str) -> Any:
    """The strategy class registered as `name`; ValueError names the known ones."""
    cls = STRATEGIES.get(name)
    if cls is None:
        known = ", ".join(sorted(STRATEGIES))
        raise ValueError(f"unknown strategy {name!r}; known: {known}")
    problem = api_problem(cls)
    if problem is not None:
        raise TypeError(f"strategy {name!r}: {problem}")
    return cls


def build_strategy(name: str, params: object | None = None) -> Strategy:
    """The strategy `name` with `params` (an instance of its params_type; None: the defaults)."""
    cls = strategy_class(name)
    strategy: Strategy = cls(cls.params_type() if params is None else params)
    return strategy
