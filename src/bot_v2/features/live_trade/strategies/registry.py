"""Strategies by name. A new strategy is one new file plus one line in STRATEGIES; its class exposes
`params_type`, an attrs class that build_strategy fills from the config mapping."""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from bot_v2.domain.money import to_decimal
from bot_v2.features.live_trade.strategies.base import Strategy
from bot_v2.features.live_trade.strategies.baseline import BaselineStrategy

STRATEGIES: dict[str, type] = {
    BaselineStrategy.name: BaselineStrategy,
}


def build_strategy(name: str, params: Mapping[str, Any]) -> Strategy:
    """Build the strategy `name` from a mapping; keys its params class lacks (for example
    position_fraction, leverage, name) are ignored. Bad names or values raise ValueError."""
    cls = STRATEGIES.get(name)
    if cls is None:
        known = ", ".join(sorted(STRATEGIES))
        raise ValueError(f"strategy.name: unknown strategy {name!r}; known: {known}")
    params_type = getattr(cls, "params_type", None)
    if not (isinstance(params_type, type) and attrs.has(params_type)):
        raise TypeError(f"strategy {name!r}: {cls.__name__}.params_type must be an attrs class")
    hints = typing.get_type_hints(params_type)
    kwargs: dict[str, Any] = {}
    for field in attrs.fields(params_type):
        if field.name in params:
            kwargs[field.name] = _coerce(field.name, params[field.name], hints.get(field.name))
    try:
        built_params = params_type(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"strategy: {exc}") from None
    strategy: Strategy = cls(built_params)
    return strategy


def _coerce(key: str, value: Any, kind: Any) -> Any:
    """Accept what TOML and CLI flags produce: strings or floats for Decimal, ints for int, bools."""
    where = f"strategy.{key}"
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError(f"{where}: expected true or false, got {value!r}")
    if kind is int:
        if isinstance(value, bool):
            raise ValueError(f"{where}: expected an integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return int(value)
        if isinstance(value, Decimal | float) and math.isfinite(value) and value == int(value):
            return int(value)
        raise ValueError(f"{where}: expected an integer, got {value!r}")
    if kind is Decimal:
        if isinstance(value, bool):
            raise ValueError(f"{where}: expected a number, got {value!r}")
        try:
            number = to_decimal(value)
        except (InvalidOperation, ValueError):
            raise ValueError(f"{where}: expected a number, got {value!r}") from None
        if not number.is_finite():
            raise ValueError(f"{where}: expected a finite number, got {value!r}")
        return number
    return value
