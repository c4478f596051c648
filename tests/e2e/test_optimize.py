"""`perps-bot optimize` through the real CLI on the bundled ETH data: a small study (6 trials, two
walk-forward folds, two Ray workers on a local instance) twice with one seed gives one result; a
run killed with SIGKILL mid-study is finished by --resume; bad input is one line and exit 2."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from bot_v2.orchestration.config import load_config
from tests.e2e._cli import BIN, ROOT, cli_env

D = ROOT / "src/bot_v2/resources/data/binance_usdm"
DATA = [
    "--data",
    str(D / "1h/ETHUSDT-1h-2024.csv"),
    "--funding",
    str(D / "funding/ETHUSDT-funding-upto-2024.csv"),
    "--mark",
    str(D / "1h_mark/ETHUSDT-mark-1h-2024.csv"),
    "--symbol",
    "ETH/USDT:USDT",
    "--from",
    "2024-01-01",
    "--to",
    "2024-03-31",
]
SPACE = """
[params.channel]
low = 10
high = 60
step = 5

[params.atr_mult]
low = 1.0
high = 6.0
"""
TRIALS = 6
WAIT_S = 300


def _args(tmp_path: Path, report: str, *extra: str, trials: int = TRIALS) -> list[str]:
    space = tmp_path / "space.toml"
    if not space.exists():
        space.write_text(SPACE)
    return [
        str(BIN),
        "optimize",
        "--strategy",
        "breakout",
        *DATA,
        "--space",
        str(space),
        "--trials",
        str(trials),
        "--walk-forward",
        "2",
        "--train",
        "30d",
        "--test",
        "15d",
        "--jobs",
        "2",
        "--seed",
        "7",
        "--report-dir",
        str(tmp_path / report),
        "--no-progress",
        *extra,
    ]


def _cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=WAIT_S
    )


def _finished(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM trials WHERE state IN ('COMPLETE', 'PRUNED')"
            ).fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0])


def test_one_seed_one_result_and_best_toml_is_a_config(tmp_path: Path) -> None:
    first, second = _cli(_args(tmp_path, "a")), _cli(_args(tmp_path, "b"))
    assert first.returncode == 0, first.stderr[-2000:]
    assert second.returncode == 0, second.stderr[-2000:]
    a = json.loads((tmp_path / "a" / "summary.json").read_text())
    b = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert a["best"] == b["best"]
    assert a["folds"] == b["folds"]
    assert (tmp_path / "a" / "best.toml").read_text() == (tmp_path / "b" / "best.toml").read_text()
    assert a["trials"]["complete"] + a["trials"]["pruned"] == TRIALS
    assert [f["fold"] for f in a["folds"]] == [0, 1]
    assert 0.0 <= a["deflated_sharpe"] <= 1.0
    # The terminal table names the best trial first.
    header, best_line = first.stdout.splitlines()[:2]
    assert header.split()[:2] == ["trial", "sharpe"]
    assert int(best_line.split()[0]) == a["best"][0]["trial"]
    page = (tmp_path / "a" / "report.html").read_text()
    # Offline: its charts drawn inline, nothing run and nothing fetched.
    assert page.count("<svg") == 3
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert f"Best trial {a['best'][0]['trial']}" in page
    # best.toml is taken by --config as it is, and carries the chosen parameters.
    loaded = load_config("dev", tmp_path / "a" / "best.toml", {})
    assert loaded.config.strategy.name == "breakout"
    assert loaded.config.strategy.params["channel"] == a["best"][0]["params"]["channel"]


def test_a_killed_study_is_finished_by_resume(tmp_path: Path) -> None:
    db = tmp_path / "k" / "study.db"
    # More trials than the kill leaves time for; the kill comes once one batch is in.
    proc = subprocess.Popen(
        _args(tmp_path, "k", trials=12),
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + WAIT_S
    try:
        while _finished(db) < 2:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            assert time.monotonic() < deadline, "no trial finished in time"
            time.sleep(0.2)
    finally:
        # The driver and every Ray process it started share its session.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    before = _finished(db)
    assert 2 <= before < 12
    resumed = _cli(_args(tmp_path, "k", "--resume", trials=12))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    summary = json.loads((tmp_path / "k" / "summary.json").read_text())
    assert summary["trials"]["complete"] + summary["trials"]["pruned"] == 12
    assert _finished(db) == 12


@pytest.mark.parametrize(
    ("space", "extra", "line"),
    [
        (
            "[params.windw]\nlow = 1\nhigh = 5\n",
            [],
            "perps-bot: space.params.windw: unknown parameter of BreakoutParams",
        ),
        (
            "[params.channel]\nlow = 40\nhigh = 40\n",
            [],
            "perps-bot: space.params.channel: empty range",
        ),
        (SPACE, ["--train", "300d"], "perps-bot: --walk-forward 2 --train 300d --test 15d"),
        (
            SPACE,
            ["--ray-address", "ray://127.0.0.1:1"],
            "perps-bot: --ray-address: nothing answers",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, space: str, extra: list[str], line: str
) -> None:
    (tmp_path / "space.toml").write_text(space)
    done = _cli([*_args(tmp_path, "bad"), *extra])
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith(line), done.stderr
    assert not (tmp_path / "bad" / "study.db").exists()


def test_resume_refuses_a_study_of_another_strategy(tmp_path: Path) -> None:
    import optuna

    from bot_v2.orchestration.optimize.study import STUDY_NAME

    # A study made for momentum, as `perps-bot optimize --strategy momentum` leaves it.
    (tmp_path / "other").mkdir()
    url = f"sqlite:///{tmp_path / 'other' / 'study.db'}"
    study = optuna.create_study(study_name=STUDY_NAME, storage=url, direction="maximize")
    for key, value in {
        "strategy": "momentum",
        "symbols": ["ETH/USDT:USDT"],
        "objectives": ["sharpe"],
    }.items():
        study.set_user_attr(key, value)
    done = _cli(_args(tmp_path, "other", "--resume"))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"perps-bot: --resume: the study in {tmp_path / 'other' / 'study.db'} was made for "
        "strategy 'momentum', not 'breakout'; resume it with the same strategy or choose "
        "another --report-dir"
    ]
