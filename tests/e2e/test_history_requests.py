"""`perps-bot --profile canary` on an account with no fills, against the loopback Binance: the
signed history requests (userTrades, income) before cycle 1 and per cycle are few and bounded.
Once the bot walked 180 days of both, one week per request, at start and again every cycle."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e._cli import (
    killed_on_exit,
    signal_and_wait,
    start_canary,
    wait_for_address,
    wait_for_cycle,
)
from tests.e2e.test_canary_binanceusdm import venue, write_config  # noqa: F401 - fixture

HISTORY_PATHS = ("/fapi/v1/userTrades", "/fapi/v1/income")


def history_requests(url: str) -> int:
    return sum(
        len(httpx.get(f"{url}/__test__/requests", params={"path": p}).json()) for p in HISTORY_PATHS
    )


def test_an_idle_account_asks_for_little_history_at_start_and_per_cycle(
    tmp_path: Path,
    venue: str,  # noqa: F811 - the fixture imported above
) -> None:
    err = tmp_path / "bot.err"
    with killed_on_exit(start_canary(tmp_path, write_config(tmp_path, venue))) as bot:
        url = wait_for_address(tmp_path / "var", bot, err)
        first = wait_for_cycle(url, bot, err, 1)
        at_first = history_requests(venue)
        last = wait_for_cycle(url, bot, err, first + 3)
        later = history_requests(venue) - at_first
        signal_and_wait(bot)
    # Reconciliation and cycle 1's sync: fills and funding of one symbol, one request each.
    assert at_first <= 4 * first
    # Each cycle's sync asks once for fills and once for funding; a cycle may be under way on
    # either side of the two counts.
    assert later <= 2 * (last - first + 1)
