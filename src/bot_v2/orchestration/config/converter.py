"""The one cattrs converter for BotConfig: strict leaf hooks (TOML has types; a quoted number in a
file is a mistake worth naming) and an unstructure side that writes back TOML-ready values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn

T = TypeVar("T")


class BadValue(ValueError):
    """A leaf that cannot become its field's type. Carries the value so the message can show it."""

    def __init__(self, message: str, value: object) -> None:
        super().__init__(message)
        self.message = message
        self.value = value


def make_converter() -> cattrs.Converter:
    """A fresh converter: no module-level singleton, so tests and callers cannot leak hooks."""
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(str, _structure_str)
    # Generic aliases are not classes, so they dispatch by equality predicates.
    conv.register_structure_hook_func(_is(tuple[str, ...]), _structure_str_tuple)
    conv.register_structure_hook_func(_is(dict[str, str]), _structure_str_map)
    conv.register_structure_hook_func(_is(dict[str, Any]), _structure_any_map)
    conv.register_structure_hook_func(_is(dict[str, object]), _structure_raw_table)
    conv.register_structure_hook_factory(
        attrs.has, lambda cl: _table_guard(make_dict_structure_fn(cl, conv))
    )
    conv.register_unstructure_hook(Decimal, unstructure_decimal)
    conv.register_unstructure_hook_func(_is(tuple[str, ...]), list)
    conv.register_unstructure_hook_func(_is(dict[str, str]), dict)
    conv.register_unstructure_hook_func(_is(dict[str, Any]), _plain)
    conv.register_unstructure_hook_func(
        _is(dict[str, object]),
        lambda table: {str(k): conv.unstructure(v) for k, v in table.items()},
    )
    return conv


def runtime_value(section: object, cls: type[T]) -> T:
    """A config section as the value the runtime uses (RiskLimits, SimSettings, a strategy's params
    class), structured by this converter from the section's fields that `cls` has: nothing is
    copied field by field, and a field only the runtime knows keeps its default. The section was
    validated already, so a failure here is the runtime value's own check (a ValueError)."""
    conv = make_converter()
    data = conv.unstructure(section)
    wanted = attrs.fields_dict(cls)  # type: ignore[arg-type]
    try:
        value: T = conv.structure({k: v for k, v in data.items() if k in wanted}, cls)
    except cattrs.BaseValidationError as exc:
        raise ValueError("; ".join(str(e) for e in exc.exceptions)) from None
    return value


def _is(expected: object) -> Callable[[Any], bool]:
    return lambda candidate: bool(candidate == expected)


def unstructure_decimal(value: Decimal) -> int | Decimal:
    """Exact and TOML-ready: `5` stays an integer; `0.0005` or `1E+3` stay Decimals whose str() is
    valid TOML float text, and the loader reads floats back with parse_float=Decimal."""
    if value.as_tuple().exponent == 0:
        return int(value)
    return value


def _structure_decimal(value: object, _: type) -> Decimal:
    if isinstance(value, bool):
        raise BadValue("must be a number", value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # repr is the shortest text that reads back as this float: 0.1 -> Decimal("0.1").
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise BadValue("must be a number", value) from None
    else:
        raise BadValue("must be a number", value)
    if not result.is_finite():
        raise BadValue("must be a finite number", value)
    return result


def _structure_int(value: object, _: type) -> int:
    # bool is an int subclass; `true` for a window length is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadValue("must be an integer", value)
    return value


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise BadValue("must be true or false", value)
    return value


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise BadValue("must be a string", value)
    return value


def _structure_str_tuple(value: object, _: type) -> tuple[str, ...]:
    # A bare string is iterable; without this check "BTC" would become ("B", "T", "C").
    if not isinstance(value, list | tuple):
        raise BadValue("must be a list of strings", value)
    errors: list[Exception] = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            exc = BadValue("must be a string", item)
            exc.__notes__ = [IterableValidationNote(f"index {index}", index, str)]
            errors.append(exc)
    if errors:
        raise IterableValidationError("bad list items", errors, tuple[str, ...])
    return tuple(value)


def _structure_str_map(value: object, _: type) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise BadValue("must be a table", value)
    errors: list[Exception] = []
    for key, item in value.items():
        if not isinstance(item, str):
            exc = BadValue("must be a string", item)
            exc.__notes__ = [IterableValidationNote(f"key {key!r}", key, str)]
            errors.append(exc)
    if errors:
        raise IterableValidationError("bad table values", errors, dict[str, str])
    return {str(key): item for key, item in value.items()}


def _structure_any_map(value: object, _: type) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise BadValue("must be a table", value)
    return _plain(value)


def _structure_raw_table(value: object, _: type) -> dict[str, object]:
    """A table kept as written (strategy.params): its values are structured later, by the class
    they belong to, so Decimals stay exact here."""
    if not isinstance(value, Mapping):
        raise BadValue("must be a table", value)
    return {str(key): item for key, item in value.items()}


def _plain(value: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy for pass-through tables (ccxt options). TOML floats arrive as Decimal (the loader
    parses them exactly); third-party code expects float, and float's repr still round-trips."""

    def convert(item: object) -> object:
        if isinstance(item, Mapping):
            return {str(k): convert(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [convert(v) for v in item]
        if isinstance(item, Decimal):
            return float(item)
        if isinstance(item, str | int | float | bool | datetime | date | time):
            return item
        raise BadValue("must hold only TOML values", item)

    return {str(k): convert(v) for k, v in value.items()}


def _table_guard(inner: Callable[[Any, Any], T]) -> Callable[[Any, Any], T]:
    """cattrs would fail on `risk = 5` with an AttributeError about `.keys`; say what is wrong."""

    def structure(value: Any, cl: Any) -> T:
        if not isinstance(value, Mapping):
            raise BadValue("must be a table", value)
        return inner(value, cl)

    return structure
