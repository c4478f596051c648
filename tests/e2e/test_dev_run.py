"""The real `perps-bot` command on the dev profile, as a subprocess: it serves /health and /metrics
while it runs, trades both bundled symbols, ends with a summary and leaves its orders and fills in
the SQLite file."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import httpx

from tests.e2e._cli import BIN, start_dev, summary_value, wait_for_address


def test_dev_profile_trades_serves_health_and_stores_state(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    proc = start_dev(data_dir, "--cycles", "1500", "--set", "replay.pace_ms=4")
    try:
        url = wait_for_address(data_dir, proc)
        health: dict[str, object] = {}
        for _ in range(400):
            health = httpx.get(f"{url}/health", timeout=5).json()
            if int(str(health.get("cycle", 0))) > 0:
                break
            time.sleep(0.02)
        metrics = httpx.get(f"{url}/metrics", timeout=5).text
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert health["status"] == "ok" and health["profile"] == "dev"
    assert int(str(health["cycle"])) > 0
    assert re.search(r"^perps_cycles_total [1-9]", metrics, re.MULTILINE)
    assert "perps_equity " in metrics and "perps_risk_rejections " in metrics

    assert "stopped: --cycles 1500 reached after 1500 cycles" in stdout
    assert re.search(r"^\[2024-\d\d-\d\d \d\d:\d\d\]", stdout, re.MULTILINE), "no progress lines"
    trades = int(summary_value(stdout, "trades"))
    assert trades > 0
    fees = Decimal(summary_value(stdout, "fees").replace(",", ""))

    db = sqlite3.connect(data_dir / "state.db")
    orders = db.execute("SELECT client_order_id, symbol, status FROM orders").fetchall()
    fills = db.execute("SELECT client_order_id, symbol, fee FROM fills").fetchall()
    intents = {r[0] for r in db.execute("SELECT client_order_id FROM intents")}
    assert {o[1] for o in orders} == {"BTC/USDT:USDT", "ETH/USDT:USDT"}
    assert all(o[2] == "filled" for o in orders)
    # Fills of the orders sent through intents, and of the stops the venue held (p<n> ids).
    stops = {f[0] for f in fills if re.search(r"-p\d+$", f[0])}
    assert {f[0] for f in fills} - stops == {o[0] for o in orders} <= intents
    assert sum(Decimal(f[2]) for f in fills).quantize(Decimal("0.01")) == fees
    equity_rows = db.execute("SELECT COUNT(*) FROM equity").fetchone()[0]
    assert equity_rows == 1500


def test_ctrl_c_stops_cleanly_with_a_summary(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    proc = start_dev(data_dir, "--set", "replay.pace_ms=5")
    try:
        wait_for_address(data_dir, proc)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "stopped: signal SIGINT" in stdout
    assert "final equity" in stdout
    assert "Traceback" not in stderr


def test_bad_config_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(BIN), "--profile", "dev", "--set", "risk.max_leverage=-2", "--set", "risk.levrage=1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert "perps-bot: config.risk.max_leverage: must be > 0, got -2" in lines
    assert "perps-bot: config.risk.levrage: unknown key" in lines
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "var").exists()  # nothing written on a refused start
