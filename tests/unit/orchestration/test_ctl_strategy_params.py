"""`perps-bot ctl strategy-params`: the --param items become the control's body as --set reads
values (typed TOML literals, a dotted key a member's table), a Decimal sent as text so no digit is
lost, the slot's digits its index; a malformed item is refused before anything is sent."""

from __future__ import annotations

import pytest

from bot_v2.cli.ctl import _params_body


def test_params_are_typed_like_set_and_a_dotted_key_is_a_table() -> None:
    body = _params_body(
        ["lookback=96", "threshold_pct=0.015", "allow_shorts=false", "members=momentum,breakout",
         "momentum.lookback=12", "momentum.vol_window=10"],
        "btc-vote",
    )  # fmt: skip
    assert body == {
        "params": {
            "lookback": 96,
            "threshold_pct": "0.015",
            "allow_shorts": False,
            "members": "momentum,breakout",
            "momentum": {"lookback": 12, "vol_window": 10},
        },
        "slot": "btc-vote",
    }


def test_the_slot_by_index_and_no_slot() -> None:
    assert _params_body(["lookback=3"], "1")["slot"] == 1
    assert "slot" not in _params_body(["lookback=3"], None)


@pytest.mark.parametrize(
    ("items", "problem"),
    [
        ([], "strategy-params needs at least one --param KEY=VALUE"),
        (["lookback"], "--param 'lookback': expected KEY=VALUE"),
        (["momentum..lookback=3"], "--param 'momentum..lookback': expected KEY=VALUE"),
        (["momentum=3", "momentum.lookback=3"], "--param 'momentum.lookback': momentum is a value"),
    ],
)
def test_a_malformed_param_is_refused(items: list[str], problem: str) -> None:
    with pytest.raises(ValueError, match="^" + problem.replace(".", r"\.").replace("[", r"\[")):
        _params_body(items, None)
