"""Reading one field of a stored JSON document (the risk state, the protection records) strictly:
a wrong type or a non-finite number is a ValueError naming the key, never a silent default, so a
damaged document is refused at start instead of trading on made-up limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def decimal_field(raw: dict[str, Any], key: str) -> Decimal:
    value = raw[key]
    if not isinstance(value, str):
        raise ValueError(f"{key}: not a decimal string: {value!r}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{key}: not finite: {value!r}")
    return number


def int_field(raw: dict[str, Any], key: str) -> int:
    value = raw[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{key}: not a whole number: {value!r}")
    return value


def text_field(raw: dict[str, Any], key: str) -> str:
    value = raw[key]
    if not isinstance(value, str):
        raise ValueError(f"{key}: not text: {value!r}")
    return value
