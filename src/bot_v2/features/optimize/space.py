"""space.toml: each `[params.NAME]` table is one dimension of the search, checked against the
strategy's params attrs class so a typo or an empty range is one line naming its key
(`space.params.window: unknown parameter; known: ...`), never a study that silently ignores it.

    [params.channel]
    low = 10
    high = 100
    step = 5            # ints: the grid; floats: optional
    [params.atr_mult]
    low = 0.5
    high = 8
    log = true          # sample evenly in log space
    [params.allow_shorts]
    choices = [true, false]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from bot_v2.domain.errors import ConfigError

AT = "space.params"
KINDS = ("int", "float", "categorical")
# What is wrong with a value of a params field (`must be >= 2`), None when it fits; the field's own
# range lives with the strategy (features/live_trade/strategies/params.py), handed in by the caller.
Fault = Callable[[Decimal], str | None]
FaultOf = Callable[["attrs.Attribute[Any]"], Fault | None]


@attrs.frozen
class Dimension:
    name: str
    kind: str  # one of KINDS
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    log: bool = False
    choices: tuple[object, ...] = ()


@attrs.frozen
class Space:
    dimensions: tuple[Dimension, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)


def parse_space(raw: Mapping[str, Any], params_type: type, fault_of: FaultOf) -> Space:
    """The space in `raw` (a parsed space.toml); ConfigError with one line per problem."""
    problems: list[str] = []
    extra = sorted(set(raw) - {"params"})
    problems += [
        f"space.{key}: unknown table; the space lives under [params.NAME]" for key in extra
    ]
    params = raw.get("params")
    if not isinstance(params, Mapping) or not params:
        problems.append(f"{AT}: empty; name at least one parameter, e.g. [params.window]")
        raise ConfigError(problems)
    attrs.resolve_types(params_type)
    fields = attrs.fields_dict(params_type)
    dimensions: list[Dimension] = []
    for name, table in params.items():
        where = f"{AT}.{name}"
        field = fields.get(name)
        if field is None:
            known = ", ".join(sorted(fields)) or "none"
            problems.append(f"{where}: unknown parameter of {params_type.__name__}; known: {known}")
            continue
        if not isinstance(table, Mapping):
            problems.append(f"{where}: must be a table (low/high[/step/log] or choices)")
            continue
        found = _dimension(where, name, field, table, fault_of(field), problems)
        if found is not None:
            dimensions.append(found)
    if problems:
        raise ConfigError(problems)
    return Space(tuple(dimensions))


def _dimension(
    where: str,
    name: str,
    field: attrs.Attribute[Any],
    table: Mapping[str, Any],
    fault: Fault | None,
    problems: list[str],
) -> Dimension | None:
    unknown = sorted(set(table) - {"low", "high", "step", "log", "choices"})
    if unknown:
        problems.append(f"{where}.{unknown[0]}: unknown key; use low, high, step, log or choices")
        return None
    if "choices" in table:
        choices = table["choices"]
        if not isinstance(choices, list) or not choices:
            problems.append(f"{where}.choices: must be a non-empty list")
            return None
        return Dimension(name, "categorical", choices=tuple(choices))
    if "low" not in table or "high" not in table:
        problems.append(f"{where}: give low and high (or choices)")
        return None
    # attrs.resolve_types ran: the type is the class, not its name.
    is_int = field.type is int
    numbers: list[float | None] = []
    for key in ("low", "high", "step"):
        value = table.get(key)
        if value is None:
            numbers.append(None)
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{where}.{key}: must be a number, got {value!r}")
            return None
        if is_int and not isinstance(value, int):
            problems.append(f"{where}.{key}: {name} is an integer, got {value!r}")
            return None
        numbers.append(float(value))
    low, high, step = numbers
    assert low is not None and high is not None
    log = table.get("log", False)
    if not isinstance(log, bool):
        problems.append(f"{where}.log: must be true or false, got {log!r}")
        return None
    if low >= high:
        problems.append(f"{where}: empty range, low ({low:g}) must be below high ({high:g})")
        return None
    if step is not None and (step <= 0 or step > high - low):
        problems.append(f"{where}.step: must be > 0 and <= high - low, got {step:g}")
        return None
    if log and (low <= 0 or step is not None):
        problems.append(f"{where}.log: needs low > 0 and no step")
        return None
    if fault is not None:
        for key, value in (("low", low), ("high", high)):
            wrong = fault(Decimal(repr(value)))
            if wrong is not None:
                problems.append(
                    f"{where}.{key}: {wrong} (the parameter's own range), got {value:g}"
                )
                return None
    return Dimension(name, "int" if is_int else "float", low, high, step, log)
