"""`perps-bot --profile paper` as an operator runs it, against a loopback Binance USDⓈ-M venue's
public REST: the venue's candles and rules, fills by the simulated exchange, no key anywhere.

The venue runs on a manual clock a day in the past, so the test closes one-minute candles when it
chooses. Checked: the bot trades (the sim's fills land in its store and in the sim's own state
file), the venue saw not one signed request and not one order, and a restarted bot resumes the
sim's account (wallet and position) from the data directory."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomli_w

from tests.e2e._cli import (
    BIN,
    cli_env,
    killed_on_exit,
    loopback_venue,
    signal_and_wait,
    tail,
    wait_for_address,
    wait_for_cycle,
)
from tests.loopback import ccxt_config_for


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[str]:
    with loopback_venue(tmp_path, "--manual-clock-offset-ms", str(-86_400_000)) as url:
        yield url


def write_config(tmp_path: Path, url: str) -> Path:
    config = {
        "bot": {"cycle_interval_s": 1, "data_dir": str(tmp_path / "var")},
        "broker": {"ccxt_config": ccxt_config_for("binanceusdm", url)},
        # Fast indicators so a few candles make a crossover.
        "strategy": {
            "short_window": 2,
            "long_window": 4,
            "confirmation_bars": 0,
            "position_fraction": "0.05",
            "trailing_stop_pct": 0,
        },
        # The venue's clock runs a day behind the wall clock, so its marks are a day old.
        "risk": {"max_mark_staleness_s": 2 * 86_400},
        "streaming": {"enabled": False},
        "monitoring": {"http_port": 0, "status_interval_s": 1},
    }
    path = tmp_path / "paper.toml"
    path.write_text(tomli_w.dumps(config))
    return path


def start_paper(tmp_path: Path, config: Path, run: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BIN), "--profile", "paper", "--config", str(config)],
        stdout=(tmp_path / f"bot{run}.out").open("w+"),
        stderr=(tmp_path / f"bot{run}.err").open("w+"),
        text=True,
        env=cli_env(),
    )


def kline_requests(url: str) -> int:
    return len(httpx.get(f"{url}/__test__/requests", params={"path": "/klines"}).json())


def close_candle_at(url: str, price: str) -> None:
    """Set the price, close the current minute, and wait until the bot has polled twice since."""
    httpx.post(f"{url}/__test__/prices", json={"BTCUSDT": price})
    httpx.post(f"{url}/__test__/clock", json={"advance_ms": 60_000})
    seen = kline_requests(url)
    deadline = time.monotonic() + 60
    while kline_requests(url) < seen + 4:
        assert time.monotonic() < deadline, "the bot stopped polling the venue"
        time.sleep(0.05)


def sim_account(data_dir: Path) -> dict[str, Any]:
    with sqlite3.connect(data_dir / "paper-sim.db") as db:
        row = db.execute("SELECT value FROM meta WHERE key='account'").fetchone()
        fills = db.execute("SELECT count(*) FROM fills").fetchone()[0]
    account: dict[str, Any] = json.loads(row[0])
    account["fills"] = fills
    return account


def store_fills(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "state.db") as db:
        return int(db.execute("SELECT count(*) FROM fills").fetchone()[0])


def test_paper_trades_on_public_data_and_resumes(tmp_path: Path, venue: str) -> None:
    data_dir = tmp_path / "var"
    config = write_config(tmp_path, venue)
    with killed_on_exit(start_paper(tmp_path, config, 1)) as bot:
        err = tmp_path / "bot1.err"
        url = wait_for_address(data_dir, bot, err)
        wait_for_cycle(url, bot, err)
        assert httpx.get(f"{url}/health").json()["profile"] == "paper"
        # Down, up, down: a cross up and then a cross down, whatever side warm-up left.
        path = ("19600", "19200", "18800", "19800", "20800", "21800", "20800", "19800", "18800")
        for price in path:
            close_candle_at(venue, price)
        signal_and_wait(bot)
    assert bot.returncode == 0, tail(err)
    first = sim_account(data_dir)
    assert first["fills"] >= 2, first
    assert store_fills(data_dir) == first["fills"]
    assert Decimal(first["wallet"]) != Decimal(10000)

    (data_dir / "http.addr").unlink()
    with killed_on_exit(start_paper(tmp_path, config, 2)) as bot:
        err = tmp_path / "bot2.err"
        url = wait_for_address(data_dir, bot, err)
        wait_for_cycle(url, bot, err, cycle=2)
        signal_and_wait(bot)
    assert bot.returncode == 0, tail(err)
    second = sim_account(data_dir)
    # The restarted bot's exchange is the one the first run left: same wallet, same position.
    assert (second["wallet"], second["positions"]) == (first["wallet"], first["positions"])

    # No key was ever given, and the venue saw no signed request and no order.
    signed = httpx.get(f"{venue}/__test__/signed").json()
    assert signed["total"] > 0 and signed["signed"] == 0, signed
    assert httpx.get(f"{venue}/__test__/orders").json() == []
