"""Stopping the real `perps-bot` process: a stop request ends every sleep at once (a replay's pace, the
live clock's wait for the next cycle) and the run ends with its summary; a second signal ends the
process at once, even while the bot waits on a venue that has gone quiet.

Each test's failure detector is a generous subprocess timeout far below the sleep it interrupts
(a 10-minute replay pace, an hour's cycle interval, a 10-minute venue stall), never a measured time."""

from __future__ import annotations

import signal
import subprocess
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import tomli_w

from tests.e2e._cli import (
    killed_on_exit,
    loopback_venue,
    signal_and_wait,
    start_canary,
    start_dev,
    summary_value,
    tail,
    wait_for_address,
    wait_for_cycle,
)
from tests.e2e.test_canary_binanceusdm import write_config

# Far longer than any timeout below: a stop that waited for one would fail the test.
LONG_PACE_MS = 60_000
LONG_CYCLE_S = 3_600
STALL_S = 600


def test_sigterm_ends_a_paced_replay_with_its_summary(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    with killed_on_exit(start_dev(data_dir, "--set", f"replay.pace_ms={LONG_PACE_MS}")) as proc:
        wait_for_cycle(wait_for_address(data_dir, proc), proc)
        # Now the replay sleeps its pace before the next candle.
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "stopped: signal SIGTERM after 1 cycles" in stdout
    assert summary_value(stdout, "final equity") == "10,000.00"
    assert "SIGTERM: stopping after the current step" in stderr


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[str]:
    with loopback_venue(tmp_path) as url:
        yield url


def start_slow_canary(tmp_path: Path, url: str) -> subprocess.Popen[str]:
    """The canary profile on the loopback venue, a cycle an hour, ccxt waiting up to 10 minutes
    for an answer; returns the process once cycle 1 has run."""
    config = write_config(tmp_path, url)
    doc = tomllib.loads(config.read_text())
    doc["bot"]["cycle_interval_s"] = LONG_CYCLE_S
    doc["broker"]["ccxt_config"]["timeout"] = 2 * STALL_S * 1000
    config.write_text(tomli_w.dumps(doc))
    proc = start_canary(tmp_path, config)
    err = tmp_path / "bot.err"
    wait_for_cycle(wait_for_address(tmp_path / "var", proc, err), proc, err)
    return proc


def test_sigterm_ends_a_live_clock_wait_with_the_summary(tmp_path: Path, venue: str) -> None:
    with killed_on_exit(start_slow_canary(tmp_path, venue)) as proc:
        # Cycle 1 has run; the live clock now waits for the next hour's boundary.
        signal_and_wait(proc)
    stdout = (tmp_path / "bot.out").read_text()
    assert proc.returncode == 0, tail(tmp_path / "bot.err")
    assert "stopped: signal SIGTERM after 1 cycles" in stdout
    assert summary_value(stdout, "final equity") == "10,000.00"


def stalled_fill_reads(url: str) -> int:
    rows = httpx.get(f"{url}/__test__/requests", params={"path": "/fapi/v1/userTrades"}).json()
    return sum(1 for r in rows if r["status"] == 0)


def test_a_second_sigint_stops_at_once(tmp_path: Path, venue: str) -> None:
    with killed_on_exit(start_slow_canary(tmp_path, venue)) as proc:
        # The venue goes quiet on fill reads: the closing sync of a stop will wait on one.
        httpx.post(
            f"{venue}/__test__/faults",
            json={"timeout_delay_s": STALL_S, "stall_next": {"n": 100, "path": "userTrades"}},
        )
        proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 60
        while stalled_fill_reads(venue) == 0:
            assert proc.poll() is None, tail(tmp_path / "bot.err")
            assert time.monotonic() < deadline, "the stop never reached its closing sync"
            time.sleep(0.05)
        # The first stop now waits on the venue; the second signal must not.
        signal_and_wait(proc, signal.SIGINT)
    stdout, stderr = (tmp_path / "bot.out").read_text(), (tmp_path / "bot.err").read_text()
    assert proc.returncode == 128 + signal.SIGINT, stderr[-3000:]
    assert "SIGINT: stopping after the current step" in stderr
    assert "second signal (SIGINT): stopping now" in stderr
    assert "stopped:" not in stdout  # no closing sync, no summary
