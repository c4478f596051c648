"""A user strategy from a file anywhere on disk, through the real `perps-bot` command: `strategy new`
writes a template that runs as is, `strategy list` shows it, `backtest` trades it and the dev profile
runs it; a broken file is one line naming the file, exit 2."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot_v2.adapters.replay.csv_files import resolve_path
from tests.e2e._cli import BIN, cli_env, dev_command, summary_value

D = "bundled:binance_usdm"
CANDLES = str(resolve_path(f"{D}/1h/BTCUSDT-1h-2024.csv"))


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args], cwd=cwd, capture_output=True, text=True, env=cli_env(), timeout=600
    )


def backtest(cwd: Path, file: Path, name: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return cli(
        "backtest", "--no-progress", "--data", CANDLES, "--symbol", "BTCUSDT",
        "--strategy-file", str(file), "--strategy", name,
        "--from", "2024-01-01", "--to", "2024-02-29", "--report-dir", str(cwd / "report"), *extra,
        cwd=cwd,
    )  # fmt: skip


def test_a_new_strategy_file_lists_backtests_and_runs_in_dev(tmp_path: Path) -> None:
    made = cli("strategy", "new", "my_sma", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    file = tmp_path / "strategies" / "my_sma.py"
    assert file.is_file()

    listed = cli("strategy", "list", "--strategy-file", str(file), cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "baseline: " in listed.stdout
    assert "  window = 20  (>= 2 and <= 10000)  Moving-average length, in candles." in listed.stdout

    ran = backtest(tmp_path, file, "my_sma", "--set", "strategy.params.window=30")
    assert ran.returncode == 0, ran.stderr
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["trades"] > 0
    # The template's plots() reach the report: its average is drawn over the candles.
    assert '"lines":["SMA 30"]' in (tmp_path / "report" / "report.html").read_text()
    bad = backtest(tmp_path, file, "my_sma", "--set", "strategy.params.window=1")
    assert (bad.returncode, bad.stderr.strip()) == (
        2,
        "perps-bot: config.strategy.params.window: must be >= 2, got 1",
    )

    data_dir = tmp_path / "var"
    dev = subprocess.run(
        dev_command(
            data_dir, "--cycles", "400", "--set", f"strategy.file={json.dumps(str(file))}",
            "--set", "strategy.name=my_sma", "--set", "strategy.params.window=10",
        ),
        capture_output=True, text=True, env=cli_env(), timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert dev.returncode == 0, dev.stderr
    assert "stopped: --cycles 400 reached after 400 cycles" in dev.stdout
    assert int(summary_value(dev.stdout, "trades")) > 0


BROKEN = {
    "syntax": ("def on_candle(:\n", "fails to import (SyntaxError"),
    "raises": ("raise RuntimeError('boom')\n", "fails to import (RuntimeError at line 1: boom)"),
    "no_api": ("class S:\n    name = 'x'\n", "S lacks on_candle or decide, warmup_candles"),
    "not_attrs": (
        "class P:\n    pass\n\n\nclass S:\n    name = 'x'\n    params_type = P\n"
        "    def on_candle(self, c, p): ...\n    def warmup_candles(self): return 1\n",
        "S.params_type is not an attrs class",
    ),
    "other_name": ("class S:\n    name = 'y'\n", "no strategy class named 'x' (it defines y)"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_file_is_one_line_naming_the_file_exit_2(tmp_path: Path, kind: str) -> None:
    text, problem = BROKEN[kind]
    file = tmp_path / "broken.py"
    file.write_text(text, encoding="utf-8")
    ran = backtest(tmp_path, file, "x")
    assert ran.returncode == 2
    (line,) = ran.stderr.strip().splitlines()
    assert line.startswith(f"perps-bot: config.strategy.file: {file}: {problem}")
    assert not (tmp_path / "report").exists()
