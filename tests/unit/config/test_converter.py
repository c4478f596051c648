from __future__ import annotations

from decimal import Decimal
from typing import Any

import cattrs
import pytest

from bot_v2.orchestration.config.converter import BadValue, make_converter, unstructure_decimal
from bot_v2.orchestration.config.models import BotConfig, RiskSection


def test_each_call_builds_a_fresh_converter() -> None:
    assert make_converter() is not make_converter()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (3, Decimal(3)),
        (0.1, Decimal("0.1")),  # via repr, not the binary expansion
        (1e-7, Decimal("1E-7")),
        ("2.50", Decimal("2.50")),
        (Decimal("1E+3"), Decimal("1E+3")),
    ],
)
def test_decimal_accepts_numbers_and_numeric_text(raw: object, expected: Decimal) -> None:
    got = make_converter().structure(raw, Decimal)
    assert got == expected
    assert got.as_tuple() == expected.as_tuple()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (True, "must be a number"),
        ("abc", "must be a number"),
        ([1], "must be a number"),
        ("NaN", "must be a finite number"),
        (float("inf"), "must be a finite number"),
    ],
)
def test_decimal_rejects_bool_and_garbage(raw: object, message: str) -> None:
    with pytest.raises(BadValue) as caught:
        make_converter().structure(raw, Decimal)
    assert caught.value.message == message
    assert caught.value.value == raw or raw != raw


@pytest.mark.parametrize(
    ("raw", "kind"), [(True, int), ("12", int), (1.0, int), (1, bool), ("x", bool), (5, str)]
)
def test_scalars_are_strict(raw: object, kind: type) -> None:
    with pytest.raises(BadValue):
        make_converter().structure(raw, kind)


def test_string_tuple_from_list_but_never_from_a_bare_string() -> None:
    conv = make_converter()
    assert conv.structure(["a", "b"], tuple[str, ...]) == ("a", "b")
    with pytest.raises(BadValue):
        conv.structure("BTC", tuple[str, ...])


def test_passthrough_tables_turn_decimal_floats_into_float() -> None:
    conv = make_converter()
    raw = {
        "timeout": 30000,
        "rate": Decimal("0.5"),
        "options": {"defaultType": "swap", "x": [Decimal("1.5")]},
    }
    got = conv.structure(raw, dict[str, Any])
    assert got == {"timeout": 30000, "rate": 0.5, "options": {"defaultType": "swap", "x": [1.5]}}
    assert isinstance(got["rate"], float)


def test_unknown_keys_are_forbidden() -> None:
    with pytest.raises(cattrs.ClassValidationError):
        make_converter().structure({"levrage": 3}, RiskSection)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal(5), 5),
        (Decimal("0.0005"), Decimal("0.0005")),
        (Decimal("1E+3"), Decimal("1E+3")),
        (Decimal("5.0"), Decimal("5.0")),
    ],
)
def test_unstructured_decimals_keep_their_exact_form(value: Decimal, expected: object) -> None:
    got = unstructure_decimal(value)
    assert got == expected
    assert type(got) is type(expected)
    if isinstance(got, Decimal):
        assert got.as_tuple() == value.as_tuple()


def test_unstructure_is_toml_ready() -> None:
    data = make_converter().unstructure(BotConfig())
    assert data["bot"]["symbols"] == ["BTC/USDT:USDT", "ETH/USDT:USDT"]
    assert data["risk"]["max_leverage"] == 5
    assert isinstance(data["risk"]["max_leverage"], int)
    assert data["broker"]["sim"]["taker_fee"] == Decimal("0.0005")
