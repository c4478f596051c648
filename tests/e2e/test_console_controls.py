"""The real `perps-bot` CLI with the operator API on: no token 401, a viewer 200 on reads and 403
on controls, the operator 200; `perps-bot ctl` flattens through the normal risk and intent path
(reduce-only orders with committed intents) and pauses entries from the next cycle on, kept in the
stored risk state; tokens appear nowhere in the output or the log file; a non-loopback address
without tokens is refused with one line."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from tests.e2e._cli import (
    BIN,
    WAIT_S,
    cli_env,
    dev_command,
    signal_and_wait,
    wait_for_address,
    wait_for_cycle,
)

VIEWER = "e2e-viewer-token-5b1c"
OPERATOR = "e2e-operator-token-9f2d"


def env(**tokens: str) -> dict[str, str]:
    return {**cli_env(), **tokens}


def ctl(data_dir: Path, *args: str, **tokens: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "ctl", *args, "--set", f"bot.data_dir={data_dir}", "--wait", "60"],
        capture_output=True,
        text=True,
        env=env(**tokens),
        timeout=WAIT_S,
    )


def open_positions(url: str) -> list[dict[str, Any]]:
    auth = {"Authorization": f"Bearer {VIEWER}"}
    return list(httpx.get(f"{url}/api/v1/positions", headers=auth, timeout=10).json()["positions"])


def _stopped(position: dict[str, Any]) -> bool:
    orders = position["protective_orders"] or ()
    return any(o["role"] == "stop" and o["status"] == "placed" for o in orders)


def test_roles_flatten_and_pause_through_the_real_cli(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    out, err = (tmp_path / "bot.out").open("w+"), (tmp_path / "bot.err").open("w+")
    proc = subprocess.Popen(
        # The whole replay at 10 ms a cycle outlasts the test; it is stopped at the end.
        dev_command(data_dir, "--set", "replay.pace_ms=10"),
        stdout=out,
        stderr=err,
        text=True,
        env=env(PERPS_VIEWER_TOKEN=VIEWER, PERPS_OPERATOR_TOKEN=OPERATOR),
    )
    try:
        url = wait_for_address(data_dir, proc)
        wait_for_cycle(url, proc)
        status = f"{url}/api/v1/status"
        assert httpx.get(status, timeout=10).status_code == 401
        viewer = {"Authorization": f"Bearer {VIEWER}"}
        assert httpx.get(status, headers=viewer, timeout=10).status_code == 200
        assert httpx.post(f"{url}/api/v1/control/pause", headers=viewer).status_code == 403
        denied = ctl(data_dir, "pause", PERPS_VIEWER_TOKEN=VIEWER)
        assert denied.returncode == 4 and "403" in denied.stderr

        deadline = time.monotonic() + WAIT_S
        # A position shows with the venue-held stop protection placed for it in the same cycle.
        while not any(_stopped(p) for p in open_positions(url)):
            assert proc.poll() is None and time.monotonic() < deadline, "no protected position"
            time.sleep(0.05)
        flatten = ctl(data_dir, "flatten", PERPS_OPERATOR_TOKEN=OPERATOR)
        assert flatten.returncode == 0, flatten.stderr
        assert flatten.stdout.startswith("flatten: applied"), flatten.stdout

        pause = ctl(data_dir, "pause", PERPS_OPERATOR_TOKEN=OPERATOR)
        assert pause.returncode == 0 and pause.stdout.strip() == "pause: applied", pause
        again = ctl(data_dir, "pause", PERPS_OPERATOR_TOKEN=OPERATOR)
        assert again.stdout.startswith("pause: unchanged"), again
        shown = ctl(data_dir, "status", PERPS_OPERATOR_TOKEN=OPERATOR)
        assert "flags paused" in shown.stdout
        assert httpx.get(f"{url}/health", timeout=10).json()["risk_state"]["paused"]
        assert "perps_paused 1.0" in httpx.get(f"{url}/metrics", timeout=10).text
        # Some cycles under the pause, then a clean stop.
        wait_for_cycle(url, proc, cycle=int(shown.stdout.split()[2]) + 200)
        signal_and_wait(proc)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()

    db = sqlite3.connect(data_dir / "state.db")
    controls = dict(
        db.execute(
            "SELECT substr(detail, 1, instr(detail, ':') - 1), timestamp_ms FROM events "
            "WHERE kind = 'control' AND detail LIKE '%: applied%'"
        ).fetchall()
    )
    assert set(controls) == {"flatten", "pause"}
    details = [r[0] for r in db.execute("SELECT detail FROM events WHERE kind = 'control'")]
    assert all("role operator, asked 20" in d for d in details)

    # The flatten: a reduce-only market order per position then held, each with its intent
    # committed before it was sent, and filled. (The strategy may open again in the same cycle,
    # after the flatten: docs/console.md says to pause first to stay flat; so only the
    # reduce-only intents of that cycle are the flatten's.)
    closes = db.execute(
        "SELECT i.symbol, o.status FROM intents i JOIN orders o USING (client_order_id) "
        "WHERE i.created_ms = ? AND i.reduce_only = 1",
        (controls["flatten"],),
    ).fetchall()
    flattened = dict(closes)
    assert len(flattened) == len(closes), closes
    assert flattened and set(flattened.values()) == {"filled"}, closes
    sent = flatten.stdout.split(":", 1)[1]
    assert all(symbol in sent for symbol in flattened), (flatten.stdout, closes)

    # The pause: entries were made before it, none from its cycle on; the strategy's entries were
    # refused by the risk checks instead.
    paused_at = controls["pause"]
    opening = "SELECT COUNT(*) FROM intents WHERE reduce_only = 0 AND created_ms {} ?"
    assert db.execute(opening.format("<"), (paused_at,)).fetchone()[0] > 0
    assert db.execute(opening.format(">="), (paused_at,)).fetchone()[0] == 0

    # Kept across a restart: the stored risk state holds the pause.
    kept = subprocess.run(
        [str(BIN), "risk", "show", "--set", f"bot.data_dir={data_dir}"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=WAIT_S,
    )
    assert "entries paused by the operator" in kept.stdout, kept

    everything = "".join(
        [out.read() if not out.seek(0) else "", err.read() if not err.seek(0) else ""]
        + [p.read_text() for p in (data_dir / "logs").iterdir()]
        + [flatten.stdout, flatten.stderr, pause.stdout, denied.stderr]
    )
    assert VIEWER not in everything and OPERATOR not in everything


def test_a_public_address_without_tokens_is_refused_with_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    refused = subprocess.run(
        dev_command(data_dir, "--set", "monitoring.http_host=0.0.0.0"),
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=WAIT_S,
    )
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "perps-bot: config.monitoring.http_host: 0.0.0.0 is not a loopback address and neither "
        "PERPS_VIEWER_TOKEN nor PERPS_OPERATOR_TOKEN is set; set them or use 127.0.0.1"
    ]
    assert not (data_dir / "state.db").exists()
