"""`perps-bot --profile canary` against a loopback Kraken Futures venue (REST wire format, Authent
checked on every private call), driven by the real ccxt client: USD perpetuals, REST polling only.

Unlike test_canary_binanceusdm.py the venue runs on the wall clock: ccxt asks Kraken's charts API for
a time range computed from the wall clock (`from`/`to`), so a venue clock a day behind would hold no
candles in it. The strategy is not driven into trades here (the order paths are in
tests/integration/ccxt/test_ccxt_krakenfutures.py); checked are the REST polling cycle with every
signed call accepted, `account snapshot` in USD, and no secret in any log line."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import tomli_w

from tests.e2e._cli import (
    BIN,
    killed_on_exit,
    loopback_venue,
    signal_and_wait,
    tail,
    wait_for_address,
    wait_for_cycle,
)
from tests.loopback import API_KEY, ccxt_config_for
from tests.loopback.krakenfutures import API_SECRET

CHARTS = "/api/charts/v1/trade/PF_XBTUSD/1m"


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[str]:
    with loopback_venue(tmp_path, venue="krakenfutures") as url:
        yield url


def write_config(tmp_path: Path, url: str) -> Path:
    config = {
        "bot": {
            "cycle_interval_s": 1,
            "data_dir": str(tmp_path / "var"),
            "symbols": ["BTC/USD:USD"],
            "quote_asset": "USD",
        },
        "broker": {
            "exchange": "krakenfutures",
            "ccxt_config": ccxt_config_for("krakenfutures", url),
        },
        # Were it to trade: 0.24 % of 10,000 USD is one step of BTC, under canary's 25 USD cap.
        "strategy": {
            "position_fraction": "0.0024",
            "params": {
                "short_window": 2,
                "long_window": 4,
                "confirmation_bars": 0,
                "trailing_stop_pct": 0,
            },
        },
        # Kraken Futures has no websocket adapter: REST polling.
        "streaming": {"enabled": False, "user_stream": False},
        "monitoring": {"http_port": 0, "status_interval_s": 1},
    }
    path = tmp_path / "canary.toml"
    path.write_text(tomli_w.dumps(config))
    return path


def canary_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERPS")}
    env.update(PERPS_API_KEY=API_KEY, PERPS_API_SECRET=API_SECRET)
    return env


def test_canary_polls_kraken_over_rest_with_every_signed_call_accepted(
    tmp_path: Path, venue: str
) -> None:
    err = tmp_path / "bot.err"
    config = write_config(tmp_path, venue)
    proc = subprocess.Popen(
        [str(BIN), "--profile", "canary", "--config", str(config), "--log-level", "DEBUG"],
        stdout=(tmp_path / "bot.out").open("w+"),
        stderr=err.open("w+"),
        text=True,
        env=canary_env(),
    )
    with killed_on_exit(proc) as bot:
        url = wait_for_address(tmp_path / "var", bot, err)
        wait_for_cycle(url, bot, err, cycle=3)
        health = httpx.get(f"{url}/health").json()
        requests = httpx.get(f"{venue}/__test__/requests").json()
        signal_and_wait(bot)
    stdout, stderr = (tmp_path / "bot.out").read_text(), err.read_text()
    assert bot.returncode == 0, tail(err)
    assert health["profile"] == "canary"
    paths = {r["path"] for r in requests}
    # The account, orders, fills, funding and prices, all polled over REST.
    for path in (
        "/derivatives/api/v3/accounts",
        "/derivatives/api/v3/openpositions",
        "/derivatives/api/v3/openorders",
        "/derivatives/api/v3/fills",
        "/api/history/v3/account-log",
        "/derivatives/api/v3/tickers",
        CHARTS,
    ):
        assert path in paths, sorted(paths)
    # Every call was answered, none refused (a bad Authent would be a 401 authenticationError).
    assert all(r["status"] == 200 for r in requests), [r for r in requests if r["status"] != 200]
    assert " ERROR " not in stderr, tail(err)
    logs = stdout + stderr
    assert API_KEY not in logs and API_SECRET not in logs


def test_account_snapshot_reads_kraken_in_usd(tmp_path: Path, venue: str) -> None:
    config = write_config(tmp_path, venue)
    result = subprocess.run(
        [str(BIN), "account", "snapshot", "--json", "--profile", "canary", "--config", str(config)],
        capture_output=True,
        text=True,
        env=canary_env(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["exchange"] == "krakenfutures"
    assert doc["balance"]["asset"] == "USD" and Decimal(doc["balance"]["total"]) == 10000
    fees = doc["fees"]["BTC/USD:USD"]
    assert (Decimal(fees["maker"]), Decimal(fees["taker"])) == (
        Decimal("0.0002"),
        Decimal("0.0005"),
    )
    assert doc["positions"] == [] and doc["open_orders"] == []
    assert API_SECRET not in result.stdout + result.stderr
