"""The real `perps-bot` CLI and the loopback Binance venue as subprocesses, for the e2e tests:
starting them, waiting for the bot's operator API and its cycles, and stopping them.

Every wait has a generous deadline and fails with the tail of the bot's stderr when the bot died."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.loopback import API_KEY, API_SECRET, wait_for_state_file

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent / "perps-bot"
WAIT_S = 120


def cli_env(*, secrets: bool = False) -> dict[str, str]:
    """This process's environment without any PERPS_ variable; with `secrets`, the loopback
    venue's API key and secret."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERPS")}
    if secrets:
        env.update(PERPS_API_KEY=API_KEY, PERPS_API_SECRET=API_SECRET)
    return env


@contextmanager
def loopback_venue(tmp_path: Path, *extra: str, venue: str = "binanceusdm") -> Iterator[str]:
    """A loopback venue (Binance USDⓈ-M unless named) quoting BTCUSDT at 20,000; yields its URL."""
    state = tmp_path / "venue.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.loopback.serve",
            venue,
            "--state-file",
            str(state),
            "--price",
            "BTCUSDT=20000",
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield str(wait_for_state_file(state)["url"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def dev_command(data_dir: Path, *extra: str) -> list[str]:
    """The dev profile writing to `data_dir`, its operator API on a free port."""
    return [
        str(BIN),
        "--profile",
        "dev",
        "--set",
        "monitoring.http_port=0",
        "--set",
        f"bot.data_dir={data_dir}",
        *extra,
    ]


def start_dev(data_dir: Path, *extra: str) -> subprocess.Popen[str]:
    """A dev run with piped output and a status line every 0.2 s."""
    return subprocess.Popen(
        dev_command(data_dir, "--set", "monitoring.status_interval_s=0.2", *extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )


def start_canary(tmp_path: Path, config: Path, *extra: str) -> subprocess.Popen[str]:
    """The canary profile with the loopback venue's key. Its output goes to tmp_path/bot.out and
    bot.err, files rather than pipes: a DEBUG run writes more than a pipe holds before the test
    reads it."""
    return subprocess.Popen(
        [str(BIN), "--profile", "canary", "--config", str(config), *extra],
        stdout=(tmp_path / "bot.out").open("w+"),
        stderr=(tmp_path / "bot.err").open("w+"),
        text=True,
        env=cli_env(secrets=True),
    )


def tail(path: Path) -> str:
    return path.read_text()[-3000:]


def _died(proc: subprocess.Popen[str], err: Path | None) -> object:
    return tail(err) if err is not None else proc.communicate()


def wait_for_address(data_dir: Path, proc: subprocess.Popen[str], err: Path | None = None) -> str:
    """The operator API's address, once the bot has written it to data_dir/http.addr."""
    addr_file = data_dir / "http.addr"
    deadline = time.monotonic() + WAIT_S
    while not (addr_file.exists() and addr_file.read_text().strip()):
        assert proc.poll() is None, _died(proc, err)
        assert time.monotonic() < deadline, "the bot never wrote its address"
        time.sleep(0.05)
    return addr_file.read_text().strip()


def wait_for_cycle(
    url: str, proc: subprocess.Popen[str], err: Path | None = None, cycle: int = 1
) -> int:
    """Waits until /health reports at least `cycle` cycles; returns the count it reported."""
    deadline = time.monotonic() + WAIT_S
    while (seen := int(httpx.get(f"{url}/health", timeout=5).json().get("cycle", 0))) < cycle:
        assert proc.poll() is None, _died(proc, err)
        assert time.monotonic() < deadline, f"the bot did not reach cycle {cycle}"
        time.sleep(0.05)
    return seen


def signal_and_wait(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> None:
    proc.send_signal(sig)
    proc.wait(timeout=60)


@contextmanager
def killed_on_exit(proc: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """Yields `proc`; kills it when the block ends with the process still running."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()


def summary_value(stdout: str, label: str) -> str:
    match = re.search(rf"^{label}\s+(.+)$", stdout, re.MULTILINE)
    assert match, f"no {label!r} in summary:\n{stdout}"
    return match.group(1).strip()
