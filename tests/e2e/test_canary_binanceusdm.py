"""`perps-bot --profile canary` as an operator runs it, against a loopback Binance USDⓈ-M venue that
speaks the real REST wire format and checks every signature, driven by the real ccxt client.

The venue runs on a manual clock a day in the past, so the test closes one-minute candles when it
chooses (advance the clock, set the price) instead of waiting real minutes. Checked on the venue's
side: orders arrived signed, on the market's step, reduce-only where they close, never above the
canary caps, with unique client order ids; and no secret reached any log line."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import tomli_w

from tests.e2e._cli import (
    BIN,
    cli_env,
    killed_on_exit,
    loopback_venue,
    signal_and_wait,
    start_canary,
    tail,
    wait_for_address,
    wait_for_cycle,
)
from tests.loopback import API_KEY, API_SECRET, ccxt_config_for

CANARY_ORDER_CAP = Decimal(25)
STEP = Decimal("0.001")


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[str]:
    with loopback_venue(tmp_path, "--manual-clock-offset-ms", str(-86_400_000)) as url:
        yield url


def write_config(tmp_path: Path, url: str) -> Path:
    config = {
        "bot": {"cycle_interval_s": 1, "data_dir": str(tmp_path / "var")},
        "broker": {"ccxt_config": ccxt_config_for("binanceusdm", url)},
        # Fast indicators so a few candles make a crossover; 0.24 % of 10,000 USDT is 24 USDT,
        # one step of BTC (0.001) at every price the test sets (18,800 to 21,800), which fits
        # under canary's 25 USDT order cap.
        "strategy": {
            "position_fraction": "0.0024",
            "params": {
                "short_window": 2,
                "long_window": 4,
                "confirmation_bars": 0,
                "trailing_stop_pct": 0,
            },
        },
        # The venue's market clock runs a day behind the wall clock (see the module docstring), so
        # its marks are a day old by the bot's clock; staleness has its own tests.
        "risk": {"max_mark_staleness_s": 2 * 86_400},
        "streaming": {"enabled": False, "user_stream": False},
        "monitoring": {"http_port": 0, "status_interval_s": 1},
    }
    path = tmp_path / "canary.toml"
    path.write_text(tomli_w.dumps(config))
    return path


def kline_requests(url: str) -> int:
    return len(httpx.get(f"{url}/__test__/requests", params={"path": "/klines"}).json())


def close_candle_at(url: str, price: str) -> None:
    """Set the price, close the current minute, and wait until the bot has polled twice since."""
    httpx.post(f"{url}/__test__/prices", json={"BTCUSDT": price})
    httpx.post(f"{url}/__test__/clock", json={"advance_ms": 60_000})
    seen = kline_requests(url)
    deadline = time.monotonic() + 30
    while kline_requests(url) < seen + 2:
        assert time.monotonic() < deadline, "the bot stopped polling the venue"
        time.sleep(0.05)


def test_canary_trades_within_caps_on_binanceusdm(tmp_path: Path, venue: str) -> None:
    err = tmp_path / "bot.err"
    config = write_config(tmp_path, venue)
    with killed_on_exit(start_canary(tmp_path, config, "--log-level", "DEBUG")) as bot:
        url = wait_for_address(tmp_path / "var", bot, err)
        wait_for_cycle(url, bot, err)
        # Down, up, down: whatever side the warm-up history left the averages on, this makes a
        # cross up (open long, closing a short first) and then a cross down (close the long
        # reduce-only, open a short).
        path = ("19600", "19200", "18800", "19800", "20800", "21800", "20800", "19800", "18800")
        for price in path:
            close_candle_at(venue, price)
        health = httpx.get(f"{url}/health").json()
        orders = httpx.get(f"{venue}/__test__/orders").json()
        submits = httpx.get(f"{venue}/__test__/requests", params={"path": "/fapi/v1/order"}).json()
        signal_and_wait(bot)
    stdout, stderr = (tmp_path / "bot.out").read_text(), err.read_text()
    assert bot.returncode == 0, tail(err)
    assert health["profile"] == "canary"

    # The venue verified every signature: each order sent was accepted, none refused. (A lookup
    # of an id the venue never saw answers 400 "order does not exist", as Binance does: the
    # protection pass looks its ids up once per process before it numbers new ones.)
    sent = [r for r in submits if r["method"] != "GET"]
    assert sent and all(r["status"] == 200 for r in sent), sent
    assert all(r["status"] in (200, 400) for r in submits), submits
    sides = [(o["side"], o["reduce_only"]) for o in orders]
    assert ("BUY", False) in sides, orders
    assert ("SELL", True) in sides, orders  # the long was closed reduce-only
    ids = [o["client_id"] for o in orders]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("perps-canary-BTCUSDT-") for i in ids)
    for order in orders:
        qty = Decimal(order["qty"])
        assert qty > 0 and qty % STEP == 0
        assert qty * Decimal(order["avg_price"]) <= CANARY_ORDER_CAP
        assert order["status"] == "FILLED"

    logs = stdout + stderr
    assert "DEBUG" in logs  # the whole run was logged at the most verbose level
    assert API_KEY not in logs and API_SECRET not in logs


def operator_command(tmp_path: Path, venue: str, *args: str) -> subprocess.CompletedProcess[str]:
    config = write_config(tmp_path, venue)
    return subprocess.run(
        [str(BIN), *args, "--profile", "canary", "--config", str(config)],
        capture_output=True,
        text=True,
        env=cli_env(secrets=True),
        timeout=120,
    )


def test_account_snapshot_reads_the_venue(tmp_path: Path, venue: str) -> None:
    result = operator_command(tmp_path, venue, "account", "snapshot", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["exchange"] == "binanceusdm"
    assert Decimal(doc["balance"]["total"]) == 10000
    fees = doc["fees"]["BTC/USDT:USDT"]
    assert (Decimal(fees["maker"]), Decimal(fees["taker"])) == (
        Decimal("0.0002"),
        Decimal("0.0005"),
    )
    assert doc["positions"] == [] and doc["open_orders"] == []
    assert API_SECRET not in result.stdout + result.stderr


def test_orders_preview_holds_canary_caps_and_sends_nothing(tmp_path: Path, venue: str) -> None:
    args = ("orders", "preview", "--symbol", "BTCUSDT", "--side", "buy", "--size", "0.0123")
    result = operator_command(tmp_path, venue, *args)
    assert result.returncode == 1, result.stderr
    assert "order     buy 0.012 BTC/USDT:USDT market" in result.stdout
    assert "REJECT    max_order_notional" in result.stdout
    assert httpx.get(f"{venue}/__test__/orders").json() == []
