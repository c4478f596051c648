"""Strategies by name. A new strategy is one new file plus one line in STRATEGIES; its class exposes
`params_type`, an attrs class that the config converter structures from the [strategy] table
(orchestration/factories.py), and is built from an instance of it."""

from __future__ import annotations

from typing import Any

import attrs

from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.features.live_trade.strategies.baseline import BaselineStrategy

STRATEGIES: dict[str, type] = {
    BaselineStrategy.name: BaselineStrategy,
}


def strategy_class(name: str) -> Any:
    """The strategy class registered as `name`; ValueError names the known ones."""
    cls = STRATEGIES.get(name)
    if cls is None:
        known = ", ".join(sorted(STRATEGIES))
        raise ValueError(f"unknown strategy {name!r}; known: {known}")
    params_type = getattr(cls, "params_type", None)
    if not (isinstance(params_type, type) and attrs.has(params_type)):
        raise TypeError(f"strategy {name!r}: {cls.__name__}.params_type must be an attrs class")
    return cls


def build_strategy(name: str, params: object | None = None) -> Strategy:
    """The strategy `name` with `params` (an instance of its params_type; None: the defaults)."""
    cls = strategy_class(name)
    strategy: Strategy = cls(cls.params_type() if params is None else params)
    return strategy
