"""space.toml is checked against the strategy's params class: every problem one line naming its key."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from bot_v2.domain.errors import ConfigError
from bot_v2.features.live_trade.strategies.breakout import BreakoutParams
from bot_v2.features.live_trade.strategies.params import bounds_of
from bot_v2.features.optimize.space import Dimension, Fault, parse_space


def fault_of(field: attrs.Attribute[Any]) -> Fault | None:
    bounds = bounds_of(field)
    return None if bounds is None else bounds.fault


def lines(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_space(raw, BreakoutParams, fault_of)
    return list(caught.value.lines)


def test_ints_floats_logs_and_choices() -> None:
    space = parse_space(
        {
            "params": {
                "channel": {"low": 10, "high": 100, "step": 5},
                "atr_mult": {"low": 0.5, "high": 8.0, "log": True},
                "allow_shorts": {"choices": [True, False]},
            }
        },
        BreakoutParams,
        fault_of,
    )
    assert space.dimensions == (
        Dimension("channel", "int", 10, 100, 5),
        Dimension("atr_mult", "float", 0.5, 8.0, None, True),
        Dimension("allow_shorts", "categorical", choices=(True, False)),
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"params": {"windw": {"low": 1, "high": 3}}},
            "space.params.windw: unknown parameter of BreakoutParams; known: allow_shorts, "
            "atr_mult, atr_window, channel",
        ),
        (
            {"params": {"channel": {"low": 40, "high": 40}}},
            "space.params.channel: empty range, low (40) must be below high (40)",
        ),
        ({"params": {}}, "space.params: empty; name at least one parameter, e.g. [params.window]"),
        (
            {"params": {"channel": {"low": 2.5, "high": 9}}},
            "space.params.channel.low: channel is an integer, got 2.5",
        ),
        (
            {"params": {"channel": {"low": 1, "high": 9}}},
            "space.params.channel.low: must be >= 2 (the parameter's own range), got 1",
        ),
        (
            {"params": {"atr_mult": {"low": 0.0, "high": 9.0}}},
            "space.params.atr_mult.low: must be > 0 (the parameter's own range), got 0",
        ),
        (
            {"params": {"channel": {"low": 2, "high": 9, "step": 0}}},
            "space.params.channel.step: must be > 0 and <= high - low, got 0",
        ),
        (
            {"params": {"channel": {"low": 2, "high": 9, "stp": 1}}},
            "space.params.channel.stp: unknown key; use low, high, step, log or choices",
        ),
        (
            {"params": {"allow_shorts": {"choices": []}}},
            "space.params.allow_shorts.choices: must be a non-empty list",
        ),
    ],
)
def test_each_problem_is_one_line_naming_its_key(raw: dict[str, Any], expected: str) -> None:
    assert lines(raw) == [expected]


def test_every_problem_is_reported_at_once() -> None:
    found = lines({"params": {"a": {"low": 1, "high": 2}, "channel": {"low": 5, "high": 3}}})
    assert len(found) == 2


def test_bounds_are_checked_with_the_strategys_own_rule() -> None:
    # Decimal edges: the params class's fault() gets exact values.
    field = attrs.fields_dict(BreakoutParams)["atr_mult"]
    fault = fault_of(field)
    assert fault is not None and fault(Decimal("0.5")) is None
