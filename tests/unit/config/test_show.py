"""`config show`: valid TOML, one source comment per leaf, and it loads back to the same config."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot_v2.orchestration.config import render_config_show

from ._support import load, write


@pytest.mark.parametrize("profile", ["dev", "canary", "prod", "paper"])
def test_show_is_toml_that_reloads_to_the_same_config(tmp_path: Path, profile: str) -> None:
    loaded = load(
        profile,
        env={"PERPS__STRATEGY__PARAMS__SHORT_WINDOW": "6"},
        overrides=["broker.sim.taker_fee=0.00045"],
    )
    shown = render_config_show(loaded)
    tomllib.loads(shown)
    again = load(profile, write(tmp_path, shown))
    assert again.config == loaded.config


def test_each_leaf_names_its_source(tmp_path: Path) -> None:
    path = write(tmp_path, "[risk]\ndaily_loss_limit = 500\n")
    shown = render_config_show(
        load(
            "dev", path, env={"PERPS__RISK__MAX_LEVERAGE": "4"}, overrides=["risk.kill_switch=true"]
        )
    )
    assert "max_leverage = 4  # env:PERPS__RISK__MAX_LEVERAGE" in shown.splitlines()
    assert f"daily_loss_limit = 500  # file:{path}" in shown.splitlines()
    assert "kill_switch = true  # --set" in shown.splitlines()
    assert "max_order_notional = 50000  # profile:dev" in shown.splitlines()
    assert "max_mark_staleness_s = 30  # default" in shown.splitlines()
    assert (
        '"BTC/USDT:USDT" = "bundled:binance_usdm/1h/BTCUSDT-1h-2024.csv"  # profile:dev'
        in shown.splitlines()
    )
    assert "[broker.ccxt_config]  # default" in shown.splitlines()


def test_every_value_line_has_a_comment() -> None:
    shown = render_config_show(load("dev"))
    for line in shown.splitlines():
        if line and not line.startswith("#"):
            assert "  # " in line or (line.startswith("[") and line.endswith("]")), line


def test_decimals_are_written_exactly(tmp_path: Path) -> None:
    loaded = load(
        overrides=["broker.sim.taker_fee=0.000400000000000000000001", "risk.daily_loss_limit=1E+3"]
    )
    shown = render_config_show(loaded)
    assert "taker_fee = 0.000400000000000000000001  # --set" in shown
    assert "daily_loss_limit = 1E+3  # --set" in shown
    assert load(config_file=write(tmp_path, shown)).config == loaded.config


def test_awkward_strings_and_paths_stay_valid_toml(tmp_path: Path) -> None:
    odd = tmp_path / "we#ird\nname.toml"
    odd.write_text('[bot]\nid = "a \\"quoted\\" id # not a comment"\n', encoding="utf-8")
    loaded = load(config_file=odd, overrides=["bot.data_dir=C:\\perps\\var"])
    shown = render_config_show(loaded)
    tomllib.loads(shown)
    assert load(config_file=write(tmp_path, shown)).config == loaded.config
