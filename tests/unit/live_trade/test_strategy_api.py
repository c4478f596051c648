"""The strategy API check shared by built-ins and user strategies, and the one-line registry."""

from __future__ import annotations

import attrs
import pytest

from bot_v2.features.live_trade.strategies.base import api_problem
from bot_v2.features.live_trade.strategies.baseline import BaselineStrategy
from bot_v2.features.live_trade.strategies.registry import STRATEGIES, registry_of


@attrs.frozen
class _Params:
    n: int = 1


class _Good:
    name = "good"
    params_type = _Params

    def __init__(self, params: _Params) -> None:
        self.params = params

    def warmup_candles(self) -> int:
        return 1

    def on_candle(self, candle: object, position: object) -> object:
        return None


class _NoWarmup:
    name = "no_warmup"
    params_type = _Params

    def on_candle(self, candle: object, position: object) -> object:
        return None


class _PlainParams(_Good):
    name = "plain"
    params_type = dict


class _Nameless(_Good):
    name = ""


def test_a_class_with_the_api_passes_and_registers_in_one_line() -> None:
    assert api_problem(_Good) is None
    assert registry_of(_Good, BaselineStrategy) == {"good": _Good, "baseline": BaselineStrategy}
    assert STRATEGIES["baseline"] is BaselineStrategy


@pytest.mark.parametrize(
    ("cls", "problem"),
    [
        (_NoWarmup, "_NoWarmup lacks warmup_candles"),
        (_PlainParams, "_PlainParams.params_type is not an attrs class"),
        (_Nameless, "_Nameless has no `name` string"),
        (len, "<built-in function len> is not a class"),
    ],
)
def test_what_is_missing_is_named(cls: object, problem: str) -> None:
    assert api_problem(cls) == problem
    with pytest.raises(TypeError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        registry_of(cls)  # type: ignore[arg-type]


def test_two_strategies_cannot_share_a_name() -> None:
    with pytest.raises(TypeError, match="two strategies are named 'good'"):
        registry_of(_Good, _Good)
