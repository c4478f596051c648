"""`account snapshot` and `orders preview` as a user runs them, on the dev profile's sim venue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent / "perps-bot"


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERPS")}
    return subprocess.run(
        [str(BIN), *args, "--profile", "dev", "--set", f"bot.data_dir={tmp_path}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def test_account_snapshot_json(tmp_path: Path) -> None:
    result = cli(tmp_path, "account", "snapshot", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["exchange"] == "sim"
    assert doc["balance"]["total"] == "10000"
    assert doc["positions"] == [] and doc["open_orders"] == []
    assert set(doc["leverage"]) == {"BTC/USDT:USDT", "ETH/USDT:USDT"}


def test_orders_preview_shows_the_quantized_order_and_sends_nothing(tmp_path: Path) -> None:
    result = cli(
        tmp_path, "orders", "preview", "--symbol", "BTCUSDT", "--side", "buy", "--size", "0.01234"
    )
    assert result.returncode == 0, result.stderr
    assert "order     buy 0.012 BTC/USDT:USDT market" in result.stdout
    # The dev profile's 4% stop-loss, as the venue would hold it once the order fills.
    assert "protect   stop (stop_loss): sell 0.012 reduce-only, triggers at " in result.stdout
    assert "would send (not sent: preview only)" in result.stdout
    assert not (tmp_path / "state.db").exists()


def test_orders_preview_rejection_exits_1_and_names_the_rules(tmp_path: Path) -> None:
    result = cli(
        tmp_path, "orders", "preview", "--symbol", "BTC/USDT:USDT", "--side", "sell", "--size", "5"
    )
    assert result.returncode == 1
    assert "REJECT    max_order_notional" in result.stdout
    assert "would NOT send" in result.stdout


def test_orders_preview_bad_symbol_is_one_line(tmp_path: Path) -> None:
    result = cli(tmp_path, "orders", "preview", "--symbol", "BTC-X", "--side", "buy", "--size", "1")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("perps-bot: --symbol: not a perpetual symbol")
    assert "Traceback" not in result.stderr


def test_orders_preview_shows_the_funding_guards_rate_and_verdict(tmp_path: Path) -> None:
    # The replay's clock stands at its first close (2024-01-01 01:00 UTC); the last rate settled
    # by then is the bundled file's 00:00 one, 0.00037409: 3.74 bp against a long.
    args = ("orders", "preview", "--symbol", "BTCUSDT", "--side", "buy", "--size", "0.01")
    result = cli(tmp_path, *args, "--set", "protections.funding_max_bps=3")
    assert result.returncode == 1, result.stderr
    assert "funding   next rate 0.00037409 (3.74 bps per settlement)" in result.stdout
    assert "REJECT    funding_guard: next funding costs a buy 3.74 bps" in result.stdout
    # A short receives that rate: the guard passes it.
    short = cli(tmp_path, *args[:5], "sell", *args[6:], "--set", "protections.funding_max_bps=3")
    assert "pass      funding_guard" in short.stdout
