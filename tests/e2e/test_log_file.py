"""The run's log file in the data directory, written by the real `perps-bot` process: plain text by
default, JSON lines on request, every configured secret masked as on stderr, and a bad logging key
refused with one line before anything is written."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import tomli_w

from tests.e2e._cli import (
    cli_env,
    dev_command,
    killed_on_exit,
    signal_and_wait,
    start_canary,
    tail,
    wait_for_address,
    wait_for_cycle,
)
from tests.e2e.test_canary_binanceusdm import venue, write_config  # noqa: F401 (fixture)
from tests.loopback import API_KEY, API_SECRET


def dev(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        dev_command(data_dir, *extra), capture_output=True, text=True, env=cli_env(), timeout=120
    )


def test_a_dev_run_writes_a_text_log_in_its_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    result = dev(data_dir, "--cycles", "5")
    assert result.returncode == 0, result.stderr
    log_file = data_dir / "logs" / "perps-bot.log"
    assert f"log:   {log_file}" in result.stdout
    lines = log_file.read_text().splitlines()
    assert " INFO bot_v2.cli.run: perps-bot dev starting" in lines[0]
    assert any("stopped: --cycles 5 reached after 5 cycles" in line for line in lines)
    # A second run appends to the same file.
    assert dev(data_dir, "--cycles", "2").returncode == 0
    assert "stopped: --cycles 2 reached" in log_file.read_text()
    assert log_file.read_text().startswith("\n".join(lines))


def test_a_bad_logging_key_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    result = dev(data_dir, "--set", "logging.max_bytes=5", "--set", "logging.format=xml")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "perps-bot: config.logging.format: must be one of text, json, got 'xml'",
        "perps-bot: config.logging.max_bytes: must be >= 65536, got 5",
    ]
    assert not data_dir.exists()


def test_canary_json_log_parses_and_holds_no_secret(tmp_path: Path, venue: str) -> None:  # noqa: F811
    config = write_config(tmp_path, venue)
    doc = tomllib.loads(config.read_text())
    doc["logging"] = {"format": "json", "level": "DEBUG"}
    config.write_text(tomli_w.dumps(doc))
    err = tmp_path / "bot.err"
    # stderr stays at its default level (WARNING); the file gets every DEBUG line.
    with killed_on_exit(start_canary(tmp_path, config)) as bot:
        wait_for_cycle(wait_for_address(tmp_path / "var", bot, err), bot, err)
        signal_and_wait(bot)
    assert bot.returncode == 0, tail(err)
    log_dir = tmp_path / "var" / "logs"
    assert [p.name for p in log_dir.iterdir()] == ["perps-bot.jsonl"]
    text = (log_dir / "perps-bot.jsonl").read_text()
    records = [json.loads(line) for line in text.splitlines()]
    assert all(set(r) >= {"time", "level", "logger", "message"} for r in records)
    levels = {r["level"] for r in records}
    assert "DEBUG" in levels and "DEBUG" not in (tmp_path / "bot.err").read_text()
    # The venue's wire traffic, with its signed requests, is in the file ...
    wire = [r["message"] for r in records if r["logger"].endswith("ccxt.wire")]
    assert any("/fapi/v1/" in m for m in wire)
    assert any(r["message"].startswith("stopping: signal SIGTERM") for r in records)
    # ... and no credential, in any spelling that reached a line.
    assert API_KEY not in text and API_SECRET not in text
