"""The one converter between domain values and plain records, for every adapter that stores them (the
bot's SQLite state store, the simulated exchange's own state file). Decimals are their exact text
(`str`, read back with `Decimal`), enums their value, attrs classes dicts keyed by field name; so a
record is JSON-ready and each column of a row is one field. Records written by the earlier
hand-written code have exactly this shape, and load unchanged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import cattrs

T = TypeVar("T")


def make_record_converter() -> cattrs.Converter:
    """A fresh converter; an adapter with its own record shapes copies it and adds hooks."""
    conv = cattrs.Converter()
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Decimal, _decimal)
    # Enums: cattrs writes `.value` and reads `Enum(value)` by default; SQLite's 0/1 for a bool
    # reads back through bool().
    return conv


def _decimal(value: Any, _: type) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


records = make_record_converter()


def row_writer(cls: type[T], columns: Sequence[str]) -> Callable[[T], tuple[Any, ...]]:
    """A value as the parameters of an INSERT naming `columns` (each a field of `cls`)."""
    unstructure = records.get_unstructure_hook(cls)
    names = tuple(columns)

    def write(value: T) -> tuple[Any, ...]:
        record = unstructure(value)
        return tuple(record[name] for name in names)

    return write


def row_reader(cls: type[T], columns: Sequence[str]) -> Callable[[Sequence[Any]], T]:
    """A row selected as `columns` (fields of `cls`; more columns after them are ignored)."""
    structure = records.get_structure_hook(cls)
    names = tuple(columns)

    def read(row: Sequence[Any]) -> T:
        return structure(dict(zip(names, row, strict=False)), cls)  # type: ignore[no-any-return]

    return read
