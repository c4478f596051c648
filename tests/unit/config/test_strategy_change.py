"""A strategy's parameters changed at run time are validated exactly like the config file: the same
one line per problem as loading the same value with --set, and what is fixed at start refused."""

from __future__ import annotations

import pytest

from bot_v2.domain.errors import ConfigError
from bot_v2.orchestration.runtime.strategy_change import changed_keys, revised

from ._support import errors, load


def refused(params: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        revised(load().config, params)
    return caught.value.lines


@pytest.mark.parametrize(
    ("key", "value"),
    [("long_window", 5), ("short_window", 0), ("trailing_stop_pct", "1.5"), ("allow_shorts", "x")],
)
def test_a_bad_value_gets_the_line_the_config_file_gets(key: str, value: object) -> None:
    assert refused({key: value}) == errors(overrides=[f"strategy.params.{key}={value}"])


def test_unknown_keys_and_keys_fixed_at_start_are_refused() -> None:
    assert refused({"leverage": 1}) == ["config.strategy.leverage: changes only at the next start"]
    assert refused({"name": "other"}) == ["config.strategy.name: changes only at the next start"]
    for key in ("file", "exits", "sizing", "entry"):
        assert refused({key: {}}) == [f"config.strategy.{key}: changes only at the next start"]
    assert len(refused({"short_windw": 3})) == 1


def test_a_valid_change_gives_the_new_config() -> None:
    before = load().config
    after = revised(before, {"short_window": 10, "position_fraction": "0.1"})
    assert changed_keys(before, after) == {"short_window": "10", "position_fraction": "0.1"}
    assert after.risk == before.risk
