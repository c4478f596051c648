"""How a strategy declares its parameters: an attrs class whose numeric fields are `param(...)`, each
with both ends of its range and one line saying what it does. The config (strategy.params) reads the
ranges to name the key that is wrong; `perps-bot strategy list` prints them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

BOUNDS = "perps_bot.bounds"
DOC = "perps_bot.doc"


@attrs.frozen
class Bounds:
    """A closed or half-open range, `>= 2 and <= 10000`."""

    low: Decimal
    high: Decimal
    low_open: bool = False
    high_open: bool = False

    def describe(self) -> str:
        low = ">" if self.low_open else ">="
        high = "<" if self.high_open else "<="
        return f"{low} {self.low} and {high} {self.high}"

    def fault(self, value: int | Decimal) -> str | None:
        """What is wrong with `value` (`must be >= 2`), None when it lies inside."""
        if value < self.low or (self.low_open and value == self.low):
            return f"must be {'>' if self.low_open else '>='} {self.low}"
        if value > self.high or (self.high_open and value == self.high):
            return f"must be {'<' if self.high_open else '<='} {self.high}"
        return None


def param(
    default: Any,
    *,
    low: int | str | Decimal,
    high: int | str | Decimal,
    low_open: bool = False,
    high_open: bool = False,
    doc: str = "",
) -> Any:
    """A numeric parameter with its range; constructing the params class outside it raises
    ValueError (`window must be >= 2, got 0`)."""
    bounds = Bounds(Decimal(low), Decimal(high), low_open, high_open)

    def within(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        fault = bounds.fault(value)
        if fault is not None:
            raise ValueError(f"{attribute.name} {fault}, got {value}")

    return attrs.field(default=default, validator=within, metadata={BOUNDS: bounds, DOC: doc})


def option(default: Any, *, doc: str = "") -> Any:
    """A parameter without a range (a flag, a name)."""
    return attrs.field(default=default, metadata={DOC: doc})


def bounds_of(field: attrs.Attribute[Any]) -> Bounds | None:
    found = field.metadata.get(BOUNDS)
    return found if isinstance(found, Bounds) else None


def doc_of(field: attrs.Attribute[Any]) -> str:
    return str(field.metadata.get(DOC, ""))
