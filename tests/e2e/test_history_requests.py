"""`perps-bot --profile canary` on an account with no fills, against the loopback Binance: the
signed history requests (userTrades, income) before cycle 1 and per cycle are few and bounded.
Once the bot walked 180 days of both, one week per request, at start and again every cycle."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.e2e.test_canary_binanceusdm import BIN, venue, write_config  # noqa: F401 - fixture
from tests.loopback import API_KEY, API_SECRET

HISTORY_PATHS = ("/fapi/v1/userTrades", "/fapi/v1/income")


def history_requests(url: str) -> int:
    return sum(
        len(httpx.get(f"{url}/__test__/requests", params={"path": p}).json()) for p in HISTORY_PATHS
    )


def wait_for_cycle(health_url: str, bot: subprocess.Popen[str], err: Path, cycle: int) -> int:
    deadline = time.monotonic() + 120
    while (seen := int(httpx.get(health_url).json().get("cycle", 0))) < cycle:
        assert bot.poll() is None, err.read_text()[-3000:]
        assert time.monotonic() < deadline, "the bot stopped cycling"
        time.sleep(0.05)
    return seen


def test_an_idle_account_asks_for_little_history_at_start_and_per_cycle(
    tmp_path: Path,
    venue: str,  # noqa: F811 - the fixture imported above
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERPS")}
    env.update(PERPS_API_KEY=API_KEY, PERPS_API_SECRET=API_SECRET)
    err = tmp_path / "bot.err"
    bot = subprocess.Popen(
        [str(BIN), "--profile", "canary", "--config", str(write_config(tmp_path, venue))],
        stdout=(tmp_path / "bot.out").open("w"),
        stderr=err.open("w"),
        text=True,
        env=env,
    )
    try:
        addr_file = tmp_path / "var" / "http.addr"
        deadline = time.monotonic() + 120
        while not (addr_file.exists() and addr_file.read_text().strip()):
            assert bot.poll() is None, err.read_text()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        health_url = addr_file.read_text().strip() + "/health"
        first = wait_for_cycle(health_url, bot, err, 1)
        at_first = history_requests(venue)
        last = wait_for_cycle(health_url, bot, err, first + 3)
        later = history_requests(venue) - at_first
        bot.send_signal(signal.SIGTERM)
        bot.wait(timeout=60)
    finally:
        if bot.poll() is None:
            bot.kill()
    # Reconciliation and cycle 1's sync: fills and funding of one symbol, one request each.
    assert at_first <= 4 * first
    # Each cycle's sync asks once for fills and once for funding; a cycle may be under way on
    # either side of the two counts.
    assert later <= 2 * (last - first + 1)
