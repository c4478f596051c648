"""Hostile or absurd configuration through the real `perps-bot` command: one line, exit 2, no
traceback, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "perps-bot"


def run(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PERPS")}
    proc = subprocess.run(
        [str(BIN), "--profile", "dev", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean, **(env or {})},
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "var").exists()  # nothing written on a refused start
    return proc.stderr.strip().splitlines()


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("[strategy]\nshort_window = " + "9" * 5000 + "\n", "line 2: longer than 4096 characters"),
        ("x = " + "[\n" * 3000 + "]\n" * 3000, "invalid TOML: nested more than 16 levels deep"),
    ],
)
def test_a_hostile_file_is_one_line(tmp_path: Path, text: str, line: str) -> None:
    path = tmp_path / "user.toml"
    path.write_text(text, encoding="utf-8")
    assert run(tmp_path, "--config", str(path)) == [f"perps-bot: config file {path}: {line}"]


def test_an_absurd_number_is_one_line_from_the_environment_and_set(tmp_path: Path) -> None:
    line = "perps-bot: config.bot.cycle_interval_s: must be >= 0.1, got 1E-999999"
    assert run(tmp_path, "--set", "bot.cycle_interval_s=1e-999999") == [line]
    assert run(tmp_path, env={"PERPS__BOT__CYCLE_INTERVAL_S": "1e-999999"}) == [line]


def test_dev_refuses_a_live_venue(tmp_path: Path) -> None:
    assert run(tmp_path, "--set", "broker.kind=ccxt") == [
        "perps-bot: config.broker.kind: the dev profile is offline and must use sim;"
        " use canary or prod for a venue, got 'ccxt'"
    ]


def test_a_ladder_over_the_whole_position_is_refused_by_the_command(tmp_path: Path) -> None:
    path = tmp_path / "user.toml"
    path.write_text(
        "[strategy.exits]\ntake_profit_distances = [0.01, 0.02]\n"
        "take_profit_fractions = [0.7, 0.7]\n",
        encoding="utf-8",
    )
    assert run(tmp_path, "--config", str(path)) == [
        "perps-bot: config.strategy.exits.take_profit_fractions: must sum to at most 1 (the whole "
        "position), got [0.7, 0.7]"
    ]
