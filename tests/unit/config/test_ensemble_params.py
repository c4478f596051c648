"""An ensemble's members with their own parameters: a table per member ([strategy.params.momentum])
structured by the config's one converter into that member's params class, every problem one line
naming the key inside the table; strategies that cannot vote are refused with the reason."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from bot_v2.features.live_trade.strategies.breakout import BreakoutParams
from bot_v2.features.live_trade.strategies.ensemble import EnsembleParams, EnsembleStrategy
from bot_v2.features.live_trade.strategies.ensemble.members import MEMBERS
from bot_v2.features.live_trade.strategies.momentum import MomentumParams
from bot_v2.orchestration import factories

from ._support import errors, load, write

ENSEMBLE = '[strategy]\nname = "ensemble"\n[strategy.params]\nmembers = "momentum,breakout"\n'


def loaded(tmp_path: Path, tables: str) -> EnsembleStrategy:
    config = load(config_file=write(tmp_path, ENSEMBLE + tables)).config
    strategy = factories.strategy(config)
    assert isinstance(strategy, EnsembleStrategy)
    return strategy


def test_a_members_table_becomes_its_params_class_and_the_others_keep_defaults(
    tmp_path: Path,
) -> None:
    tables = "[strategy.params.momentum]\nlookback = 96\nallow_shorts = false\n"
    strategy = loaded(tmp_path, tables)
    momentum, breakout = strategy._members
    assert momentum.params == MomentumParams(lookback=96, allow_shorts=False)  # type: ignore[attr-defined]
    assert breakout.params == BreakoutParams()  # type: ignore[attr-defined]
    assert strategy.params.momentum == MomentumParams(lookback=96, allow_shorts=False)
    assert strategy.warmup_candles() >= 96


def test_the_same_tables_in_a_slot(tmp_path: Path) -> None:
    text = (
        '[bot]\nsymbols = ["BTC/USDT:USDT"]\n[[strategies]]\nname = "ensemble"\n'
        'symbols = ["BTC/USDT:USDT"]\n[strategies.params]\nmembers = "breakout"\n'
        "[strategies.params.breakout]\nchannel = 30\n"
    )
    config = load(config_file=write(tmp_path, text)).config
    assert config.strategies[0].params["breakout"] == {"channel": 30}
    assert errors(config_file=write(tmp_path, text.replace("channel = 30", "channel = 0"))) == [
        "config.strategies[0].params.breakout.channel: must be >= 2, got 0"
    ]


@pytest.mark.parametrize(
    ("tables", "line"),
    [
        (
            "[strategy.params.momentum]\nlookback = 0\n",
            "config.strategy.params.momentum.lookback: must be >= 1, got 0",
        ),
        (
            "[strategy.params.momentum]\nlookbak = 3\n",
            "config.strategy.params.momentum.lookbak: unknown key",
        ),
        (
            "[strategy.params.momentum]\nallow_shorts = 1\n",
            "config.strategy.params.momentum.allow_shorts: must be true or false, got 1",
        ),
        (
            "[strategy.params.momentun]\nlookback = 3\n",
            "config.strategy.params.momentun: unknown key",
        ),
        (
            "[strategy.params]\nmomentum = 3\n",
            "config.strategy.params.momentum: must be a table, got 3",
        ),
        (
            "[strategy.params.baseline]\nshort_window = 5\n",
            "config.strategy.params.baseline: a params table for a strategy not in members "
            "(momentum,breakout)",
        ),
    ],
)
def test_each_problem_is_one_line_naming_the_key(tmp_path: Path, tables: str, line: str) -> None:
    text = ENSEMBLE + tables
    if tables.startswith("[strategy.params]\n"):
        text = ENSEMBLE + tables.removeprefix("[strategy.params]\n")
    assert errors(config_file=write(tmp_path, text)) == [line]


@pytest.mark.parametrize("name", ["funding_carry", "pairs"])
def test_a_strategy_that_cannot_vote_is_refused_with_the_reason(name: str) -> None:
    lines = errors(overrides=["strategy.name=ensemble", f"strategy.params.members=momentum,{name}"])
    assert len(lines) == 1
    assert lines[0].startswith(f"config.strategy.params.members: {name} ")
    assert "its own [[strategies]] slot" in lines[0] or "its own slot" in lines[0]


def test_every_member_has_its_params_table_field() -> None:
    """A member added to MEMBERS without its field in EnsembleParams would run on defaults only."""
    attrs.resolve_types(EnsembleParams)
    fields = attrs.fields_dict(EnsembleParams)
    for name, cls in MEMBERS.items():
        assert name in fields, name
        assert fields[name].type == cls.params_type | None  # type: ignore[attr-defined]


def test_strategy_list_shows_each_members_table(capsys: pytest.CaptureFixture[str]) -> None:
    from bot_v2.cli.main import main

    assert main(["strategy", "list"]) == 0
    out = capsys.readouterr().out
    listed = out.split("\nensemble: ", 1)[1].split("\n")
    for name in MEMBERS:
        assert any(line.startswith(f"  {name} = [table]  [..params.{name}]") for line in listed)
