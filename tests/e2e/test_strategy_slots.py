"""The real `perps-bot` on the dev profile with two [[strategies]] slots: /health shows each slot's
results apart while it runs, and the slots' trades add up to the run's."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.e2e._cli import start_dev, summary_value, wait_for_address

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
