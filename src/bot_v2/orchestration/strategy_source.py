"""Where a strategy class comes from: the built-in registry by name (later: a user file, an entry
point). Loading user code is the outside world, so it lives here and not in features."""

from __future__ import annotations

from typing import Any

from bot_v2.features.live_trade.strategies.registry import strategy_class


class StrategyNotFound(Exception):
    """One line for the operator: the config path and what is wrong there."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"config.{path}: {message}")
        self.path = path
        self.message = message


def find_strategy(name: str, file: str = "") -> Any:
    try:
        return strategy_class(name)
    except ValueError as exc:
        raise StrategyNotFound("strategy.name", str(exc)) from None
    except TypeError as exc:
        raise StrategyNotFound("strategy.name", str(exc)) from None
