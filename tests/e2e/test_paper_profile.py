"""`perps-bot --profile paper` as an operator runs it, against a loopback Binance USDⓈ-M venue's
public REST: the venue's candles and rules, fills by the simulated exchange, no key anywhere.

The venue runs on a manual clock a day in the past, so the test closes one-minute candles when it
chooses. Checked: the bot trades (the sim's fills land in its store and in the sim's own state
file), the venue saw not one signed request and not one order, and a restarted bot resumes the
sim's account (wallet and position) from the data directory."""

from __future__ import annotations

import asyncio
import json
import queue
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared `wsloopback` package
from wsloopback import BinanceLoopback


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
            "position_fraction": "0.05",
            "params": {
                "short_window": 2,
                "long_window": 4,
                "confirmation_bars": 0,
                "trailing_stop_pct": 0,
            },
        },
        # The venue's clock runs a day behind the wall clock, so its marks are a day old.
        "risk": {"max_mark_staleness_s": 2 * 86_400},
        "streaming": {"enabled": False},
        "monitoring": {"http_port": 0, "status_interval_s": 1},
    }
    path = tmp_path / "paper.toml"
    path.write_text(tomli_w.dumps(config))
    return path


def start_paper(tmp_path: Path, config: Path, run: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BIN), "--profile", "paper", "--config", str(config), *extra],
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


@contextmanager
def ws_venue() -> Iterator[str]:
    """The loopback Binance public websocket in a thread of its own; yields its ws:// URL."""
    ready: queue.Queue[str] = queue.Queue()
    stop = threading.Event()

    async def serve() -> None:
        async with BinanceLoopback(tick_s=0.05, candle_every=10_000) as server:
            ready.put(server.url)
            while not stop.is_set():
                await asyncio.sleep(0.05)

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    try:
        yield ready.get(timeout=30)
    finally:
        stop.set()
        thread.join(timeout=10)


def stream_counter(url: str, name: str) -> float:
    text = httpx.get(f"{url}/metrics").text
    match = re.search(
        rf'^perps_stream_{name}(?:_total)?{{venue="[^"]*binance[^"]*"}} (\S+)$', text, re.M
    )
    return float(match.group(1)) if match else 0.0


def test_paper_streams_the_public_websocket_unsigned(tmp_path: Path, venue: str) -> None:
    """streaming on: market data arrives over the venue's public websocket (REST stays the
    fallback), and still nothing signed leaves the bot."""
    data_dir = tmp_path / "var"
    config = write_config(tmp_path, venue)
    with (
        ws_venue() as ws_url,
        killed_on_exit(
            start_paper(
                tmp_path,
                config,
                1,
                "--set",
                "streaming.enabled=true",
                "--set",
                f"streaming.url={ws_url}",
            )
        ) as bot,
    ):
        err = tmp_path / "bot1.err"
        url = wait_for_address(data_dir, bot, err)
        wait_for_cycle(url, bot, err, cycle=3)
        deadline = time.monotonic() + 60
        while stream_counter(url, "data_messages") == 0:
            assert bot.poll() is None, tail(err)
            assert time.monotonic() < deadline, httpx.get(f"{url}/metrics").text[-3000:]
            time.sleep(0.1)
        connected = stream_counter(url, "connected")
        signal_and_wait(bot)
    assert bot.returncode == 0, tail(err)
    assert connected == 1
    signed = httpx.get(f"{venue}/__test__/signed").json()
    assert signed["total"] > 0 and signed["signed"] == 0, signed


def refused(tmp_path: Path, profile: str, *args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [str(BIN), "--profile", profile, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**cli_env(), **(env or {})},
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert not (tmp_path / "var").exists()  # nothing written on a refused start
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


PAPER_ONLY = "the paper profile and the paper broker go together (sim fills, public data)"


def test_paper_refuses_a_real_broker_and_keys(tmp_path: Path) -> None:
    assert refused(tmp_path, "paper", "--set", "broker.kind=ccxt") == (
        f"perps-bot: config.broker.kind: {PAPER_ONLY}, got 'ccxt'"
    )
    assert refused(tmp_path, "dev", "--set", "broker.kind=paper") == (
        f"perps-bot: config.broker.kind: {PAPER_ONLY}, got 'paper'"
    )
    keys = {"PERPS_API_KEY": "paper-key-1234", "PERPS_API_SECRET": "paper-secret-5678"}
    line = refused(tmp_path, "paper", env=keys)
    assert line == (
        "perps-bot: secrets: profile paper sends no signed request and takes no keys; "
        "unset PERPS_API_KEY and PERPS_API_SECRET"
    )
