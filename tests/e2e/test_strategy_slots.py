"""The real `perps-bot` on the dev profile with [[strategies]] slots: /health shows each slot's
results apart while it runs, and the slots' trades add up to the run's; one slot's parameters change
through the operator API and `perps-bot ctl strategy-params --slot`."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

import httpx

from tests.e2e._cli import (
    BIN,
    WAIT_S,
    cli_env,
    dev_command,
    killed_on_exit,
    signal_and_wait,
    start_dev,
    summary_value,
    wait_for_address,
    wait_for_cycle,
)

SLOTS = """
[[strategies]]
name = "pairs"
label = "btc-eth"
symbols = ["BTC/USDT:USDT", "ETH/USDT:USDT"]
allocation = 0.6
[strategies.params]
window = 24
entry_z = 1.5
"""


def test_dev_run_with_slots_reports_each_slot_on_health(tmp_path: Path) -> None:
    config = tmp_path / "slots.toml"
    config.write_text(SLOTS, encoding="utf-8")
    data_dir = tmp_path / "var"
    proc = start_dev(
        data_dir, "--config", str(config), "--cycles", "800", "--set", "replay.pace_ms=4"
    )
    try:
        url = wait_for_address(data_dir, proc)
        slots: list[dict[str, object]] = []
        for _ in range(600):
            health = httpx.get(f"{url}/health", timeout=5).json()
            slots = health.get("slots", [])
            if slots and int(str(slots[0]["trades"])) > 0:
                break
            time.sleep(0.02)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert [s["label"] for s in slots] == ["btc-eth"]
    slot = slots[0]
    assert slot["strategy"] == "pairs" and slot["allocation"] == "0.6"
    assert slot["symbols"] == ["BTC/USDT:USDT", "ETH/USDT:USDT"]
    assert int(str(slot["trades"])) > 0
    assert int(summary_value(stdout, "trades")) >= int(str(slot["trades"]))


VIEWER = "e2e-viewer-token-31ac"
OPERATOR = "e2e-operator-token-77d0"
TWO_SLOTS = """
[[strategies]]
name = "momentum"
label = "btc-mom"
symbols = ["BTC/USDT:USDT"]
allocation = 0.5
[strategies.params]
lookback = 24

[[strategies]]
name = "breakout"
symbols = ["ETH/USDT:USDT"]
allocation = 0.5
"""


def _slots(url: str) -> list[dict[str, object]]:
    auth = {"Authorization": f"Bearer {VIEWER}"}
    body = httpx.get(f"{url}/api/v1/strategies", headers=auth, timeout=10).json()
    return list(body["strategies"])


def test_one_slots_params_change_through_the_api_and_ctl(tmp_path: Path) -> None:
    """A bad value: 409 with the config file's line, nothing changed; ctl strategy-params --slot
    applies it between cycles, once (again: unchanged), shown by /api/v1/strategies for that slot
    alone, journaled with role and time, and trading with it: a momentum lookback longer than the
    replay opens nothing on BTC from then on, while the other slot goes on trading ETH."""
    config = tmp_path / "slots.toml"
    config.write_text(TWO_SLOTS, encoding="utf-8")
    data_dir = tmp_path / "var"
    tokens = {"PERPS_VIEWER_TOKEN": VIEWER, "PERPS_OPERATOR_TOKEN": OPERATOR}
    proc = subprocess.Popen(
        dev_command(data_dir, "--config", str(config), "--set", "replay.pace_ms=10"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**cli_env(), **tokens},
    )

    def ctl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN), "ctl", "strategy-params", *args, "--set", f"bot.data_dir={data_dir}"],
            capture_output=True,
            text=True,
            env={**cli_env(), **tokens},
            timeout=WAIT_S,
        )

    with killed_on_exit(proc):
        url = wait_for_address(data_dir, proc)
        wait_for_cycle(url, proc)
        before = _slots(url)
        assert [(s["label"], s["index"], s["params"]) for s in before] == [
            ("btc-mom", 0, {"lookback": "24"}),
            ("breakout", 1, {}),
        ]
        bad = httpx.post(
            f"{url}/api/v1/control/strategy_params",
            params={"wait_s": 60},
            json={"slot": "btc-mom", "params": {"lookback": 0}},
            headers={"Authorization": f"Bearer {OPERATOR}"},
            timeout=WAIT_S,
        )
        assert bad.status_code == 409
        assert bad.json()["detail"] == "config.strategies[0].params.lookback: must be >= 1, got 0"
        unknown = ctl("--slot", "sol", "--param", "lookback=3")
        assert unknown.returncode == 1 and "slot: no slot 'sol'" in unknown.stderr, unknown

        applied = ctl("--slot", "btc-mom", "--param", "lookback=10000")
        assert applied.returncode == 0, applied.stderr
        assert applied.stdout.strip() == "strategy-params: applied (lookback=10000)"
        again = ctl("--slot", "0", "--param", "lookback=10000")
        assert again.stdout.startswith("strategy-params: unchanged"), again
        cycle = wait_for_cycle(url, proc)
        # Published after the cycle that applied it; then long enough for the other slot to trade.
        wait_for_cycle(url, proc, cycle=cycle + 400)
        after = _slots(url)
        assert after[0]["params"] == {"lookback": "10000"}
        assert after[1]["params"] == {}
        signal_and_wait(proc)
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""

    db = sqlite3.connect(data_dir / "state.db")
    details = [r[0] for r in db.execute("SELECT detail FROM events WHERE kind = 'control'")]
    assert [d.rsplit("; role ", 1)[0] for d in details] == [
        "strategy_params slot 'btc-mom': refused "
        "(config.strategies[0].params.lookback: must be >= 1, got 0)",
        "strategy_params slot 'sol': refused (slot: no slot 'sol'; slots: 0 (btc-mom), 1 (breakout))",
        "strategy_params slot 'btc-mom': applied (lookback=10000)",
        "strategy_params slot 0: unchanged (same parameters)",
    ]
    assert all("role operator, asked 20" in d for d in details)
    applied_ms = db.execute(
        "SELECT timestamp_ms FROM events WHERE kind = 'control' AND detail LIKE '%applied%'"
    ).fetchone()[0]
    entries = (
        "SELECT COUNT(*) FROM intents WHERE reduce_only = 0 AND symbol = ? AND created_ms {} ?"
    )
    assert db.execute(entries.format(">="), ("BTC/USDT:USDT", applied_ms)).fetchone()[0] == 0
    assert db.execute(entries.format(">="), ("ETH/USDT:USDT", applied_ms)).fetchone()[0] > 0
