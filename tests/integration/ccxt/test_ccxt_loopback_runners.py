"""The loopback venue outside the test's own loop: in a background thread and as a subprocess
(`python -m tests.loopback.binanceusdm_server`), reached through a plain ccxt_config as a bot
started from a config file would reach it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.request
from decimal import Decimal
from pathlib import Path

from ccxt_harness import BTC, FAST_RETRY, market
from tests.loopback import (
    API_KEY,
    API_SECRET,
    BinanceUsdmVenue,
    ThreadedVenue,
    ccxt_config_for,
    wait_for_state_file,
)

from bot_v2.adapters.brokers.ccxt import create_ccxt_broker
from bot_v2.adapters.venues import registry
from bot_v2.domain.orders import OrderStatus, Side

ROOT = Path(__file__).resolve().parents[3]


async def _buy_through_config(url: str, cid: str) -> tuple[str, Decimal]:
    broker = create_ccxt_broker(
        registry.venue("binanceusdm"),
        API_KEY,
        API_SECRET,
        ccxt_config=ccxt_config_for("binanceusdm", url),
        retry=FAST_RETRY,
    )
    try:
        await broker.start()
        order = await broker.submit_order(market(cid, Side.BUY, "0.010"))
        balance = await broker.fetch_balance()
    finally:
        await broker.close()
    assert order.status is OrderStatus.FILLED
    return order.exchange_order_id, balance.total


def test_threaded_venue_serves_a_broker_running_in_another_loop() -> None:
    with ThreadedVenue(BinanceUsdmVenue(prices={BTC: "65000.0"})) as venue:
        order_id, _ = asyncio.run(_buy_through_config(venue.url, "thr-1"))
        orders = venue.orders()
        with urllib.request.urlopen(f"{venue.url}/__test__/orders", timeout=5) as answer:
            over_http = json.loads(answer.read())
    assert [(o["client_id"], o["avg_price"]) for o in orders] == [("thr-1", "65000.0")]
    assert over_http == orders
    assert str(orders[0]["order_id"]) == order_id


def test_subprocess_venue_with_state_file(tmp_path: Path) -> None:
    state_file = tmp_path / "venue.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.loopback.binanceusdm_server",
            "--port",
            "0",
            "--state-file",
            str(state_file),
            "--price",
            "BTCUSDT=70000",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        state = wait_for_state_file(state_file, timeout_s=30)
        assert state["prices"]["BTCUSDT"] == "70000"
        asyncio.run(_buy_through_config(state["url"], "sub-1"))
        with urllib.request.urlopen(f"{state['url']}/__test__/orders", timeout=5) as answer:
            orders = json.loads(answer.read())
        final = json.loads(state_file.read_text())
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert [o["client_id"] for o in orders] == ["sub-1"]
    assert final["orders"] == orders
    assert final["positions"] == [{"symbol": "BTCUSDT", "size": "0.01", "entry": "70000"}]
    first_line = process.stdout.readline() if process.stdout else ""
    assert first_line.startswith("LOOPBACK binanceusdm http://127.0.0.1:")
