"""The run's log file in the data directory, written by the real `perps-bot` process: plain text by
default, JSON lines on request, every configured secret masked as on stderr, and a bad logging key
refused with one line before anything is written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import tomli_w

from tests.e2e.test_canary_binanceusdm import venue, write_config  # noqa: F401 (fixture)
from tests.loopback import API_KEY, API_SECRET

BIN = Path(sys.executable).parent / "perps-bot"


def dev(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERPS")}
    return subprocess.run(
        [
            str(BIN),
            "--profile",
            "dev",
            "--set",
            "monitoring.http_port=0",
            "--set",
            f"bot.data_dir={data_dir}",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
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
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERPS")}
    env.update(PERPS_API_KEY=API_KEY, PERPS_API_SECRET=API_SECRET)
    out, err = (tmp_path / "bot.out").open("w+"), (tmp_path / "bot.err").open("w+")
    # stderr stays at its default level (WARNING); the file gets every DEBUG line.
    bot = subprocess.Popen(
        [str(BIN), "--profile", "canary", "--config", str(config)],
        stdout=out,
        stderr=err,
        text=True,
        env=env,
    )
    try:
        addr_file = tmp_path / "var" / "http.addr"
        deadline = time.monotonic() + 120
        while not (addr_file.exists() and addr_file.read_text().strip()):
            assert bot.poll() is None, (tmp_path / "bot.err").read_text()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        health_url = addr_file.read_text().strip() + "/health"
        while httpx.get(health_url).json().get("cycle", 0) < 1:
            assert bot.poll() is None, (tmp_path / "bot.err").read_text()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        bot.send_signal(signal.SIGTERM)
        bot.wait(timeout=60)
    finally:
        if bot.poll() is None:
            bot.kill()
    assert bot.returncode == 0, (tmp_path / "bot.err").read_text()[-3000:]
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
