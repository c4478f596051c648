"""`[markets."SYMBOL"]`: every key required, each in a range a venue could publish, keys normalized."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot_v2.domain.errors import ConfigError
from bot_v2.orchestration.config import load_config

GOOD = "tick_size = 0.0001\nstep_size = 0.1\nmin_size = 0.1\nmin_notional = 5\nmax_leverage = 75\n"


def load(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "c.toml"
    path.write_text(body)
    try:
        load_config("dev", str(path), {}, [])
    except ConfigError as exc:
        return exc.lines
    return []


def test_good_rules_are_kept_under_the_normalized_symbol(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[markets."XRPUSDT"]\n' + GOOD)
    config = load_config("dev", str(path), {}, []).config
    assert str(config.markets["XRP/USDT:USDT"].step_size) == "0.1"


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ("step_size = 0.1", "config.markets['XRP/USDT:USDT'].step_size: is required"),
        ("tick_size = 0.0001", "config.markets['XRP/USDT:USDT'].tick_size: is required"),
    ],
)
def test_a_missing_key_is_named(tmp_path: Path, change: str, line: str) -> None:
    assert load(tmp_path, '[markets."XRP/USDT:USDT"]\n' + GOOD.replace(change + "\n", "")) == [line]


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ("step_size = 0", "config.markets['XRP/USDT:USDT'].step_size: must be > 0, got 0"),
        ("min_notional = -1", "config.markets['XRP/USDT:USDT'].min_notional: must be >= 0, got -1"),
        ("max_leverage = 0.5", "config.markets['XRP/USDT:USDT'].max_leverage: must be >= 1, got 0.5"),
        ("min_size = 0.15", "config.markets['XRP/USDT:USDT'].min_size: must be a multiple of step_size (0.1), got 0.15"),
    ],
)  # fmt: skip
def test_a_bad_value_is_named(tmp_path: Path, change: str, line: str) -> None:
    key = change.split(" = ")[0]
    body = "\n".join(change if row.startswith(key + " ") else row for row in GOOD.splitlines())
    assert load(tmp_path, '[markets."XRP/USDT:USDT"]\n' + body + "\n") == [line]


def test_a_key_that_is_no_symbol(tmp_path: Path) -> None:
    lines = load(tmp_path, '[markets."XRP"]\n' + GOOD)
    assert lines == [
        "config.markets: key must be a perpetual symbol in BASE/QUOTE:SETTLE form, got 'XRP'"
    ]
