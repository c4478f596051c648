"""`[strategy]` and `[strategy.params]`: the strategy's class is found by name (and `file`), and the
params table is checked against that class's attrs params class, so every problem names its key:
`config.strategy.params.window: must be >= 2, got 0`, `config.strategy.params.windw: unknown key`.
The runtime value is then structured by the one converter (`runtime_value`)."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any, Final

import attrs

from bot_v2.features.live_trade.strategies.params import bounds_of
from bot_v2.orchestration.config.converter import BadValue, make_converter, runtime_value
from bot_v2.orchestration.config.layers import Merged
from bot_v2.orchestration.config.models import StrategySection
from bot_v2.orchestration.config.problems import Problem
from bot_v2.orchestration.strategy_source import StrategyNotFound, find_strategy

AT: Final = "strategy.params"


def strategy_name(data: Mapping[str, Any]) -> object:
    """strategy.name in merged raw config data (the model's default when no layer set it)."""
    section = data.get("strategy")
    name = section.get("name") if isinstance(section, Mapping) else None
    return StrategySection().name if name is None else name


def drop_params_of_other_strategies(merged: Merged, name_after: Mapping[str, object]) -> None:
    """Params belong to the strategy that was named when they were set: `--set strategy.name=x`
    on the dev profile must not hand the profile's baseline params to x. `name_after` is the name in
    effect after each layer source."""
    section = merged.data.get("strategy")
    params = section.get("params") if isinstance(section, dict) else None
    if not isinstance(params, dict):
        return
    final = strategy_name(merged.data)
    for key in list(params):
        path = ("strategy", "params", key)
        if name_after.get(merged.source_of(path), final) != final:
            merged.drop(path)


def strategy_problems(section: StrategySection) -> list[Problem]:
    """The strategy cannot be found, or its params do not fit its params class."""
    try:
        cls = find_strategy(section.name, section.file)
    except StrategyNotFound as exc:
        return [Problem(exc.path, exc.message, show=False)]
    return params_problems(cls.params_type, section.params)


def strategy_params(section: StrategySection) -> tuple[Any, object]:
    """The strategy class and its params value, for a section that validated."""
    cls = find_strategy(section.name, section.file)
    return cls, runtime_value(section.params, cls.params_type)


def params_problems(params_type: type, raw: Mapping[str, object], at: str = AT) -> list[Problem]:
    attrs.resolve_types(params_type)
    fields = attrs.fields_dict(params_type)
    converter = make_converter()
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, value in raw.items():
        path = f"{at}.{key}"
        field = fields.get(key)
        if field is None:
            problems.append(Problem(path, "unknown key", show=False))
            continue
        table = params_class_of(field.type)
        if table is not None:
            # A nested params class (an ensemble member's table): checked key by key like the
            # top table, so each line names the key inside it.
            if not isinstance(value, Mapping):
                problems.append(Problem(path, "must be a table", value))
                continue
            inner = params_problems(table, value, path)
            if inner:
                problems.extend(inner)
                continue
        try:
            values[key] = converter.structure(value, field.type)
        except BadValue as exc:
            problems.append(Problem(path, exc.message, exc.value))
            continue
        except Exception:
            problems.append(Problem(path, f"must be a {_type_name(field.type)}", value))
            continue
        bounds = bounds_of(field)
        fault = bounds.fault(values[key]) if bounds is not None else None
        if fault is not None:
            problems.append(Problem(path, fault, values[key]))
    if problems:
        return problems  # rules between keys would judge values already reported
    try:
        params_type(**values)
    except (ValueError, TypeError) as exc:
        # A rule that names its key first (`members: unknown x`) is reported at that key.
        name, sep, rest = str(exc).partition(": ")
        place = f"{at}.{name}" if sep and name in fields else at
        problems.append(Problem(place, rest if place != at else str(exc), show=False))
    return problems


def params_class_of(kind: object) -> type | None:
    """The attrs class a field holds (`MomentumParams` or `MomentumParams | None`), else None."""
    options = [a for a in typing.get_args(kind) if a is not type(None)] or [kind]
    if len(options) == 1 and isinstance(options[0], type) and attrs.has(options[0]):
        return options[0]
    return None


def _type_name(kind: object) -> str:
    return getattr(kind, "__name__", str(kind))
