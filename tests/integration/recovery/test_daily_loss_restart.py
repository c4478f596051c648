"""A day halted by the daily loss limit stays halted across a crash: the real `perps-bot` trips the
limit in a dev replay, is SIGKILLed, restarted on the same data directory (and the same exchange,
which outlives it), and sends no opening order for the rest of that UTC day although its strategy
keeps asking for them."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

from tests.integration.recovery._harness import BIN, Rig, environment, kill, make_rig

DAY_MS = 86_400_000
LIMIT = "20"
HALT = "daily_loss: "


def command(rig: Rig, pace_ms: int) -> list[str]:
    return [
        str(BIN),
        "--profile",
        "dev",
        "--config",
        str(rig.config),
        "--set",
        f"replay.pace_ms={pace_ms}",
        "--set",
        f"risk.daily_loss_limit={LIMIT}",
    ]


def rows(db_path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    db = sqlite3.connect(db_path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def first_halt(db_path: Path, proc: subprocess.Popen[bytes], timeout_s: float) -> tuple[int, int]:
    """(event id, clock ms) of the first daily-loss rejection, polled while the bot runs."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if db_path.exists():
            try:
                found = rows(
                    db_path,
                    "SELECT id, timestamp_ms FROM events WHERE kind='risk_rejected' "
                    "AND detail LIKE ? ORDER BY id LIMIT 1",
                    (f"%{HALT}%",),
                )
            except sqlite3.OperationalError:
                found = []  # the schema is being created
            if found:
                return int(str(found[0][0])), int(str(found[0][1]))
        assert proc.poll() is None, "the bot ended before the daily loss limit bound"
        time.sleep(0.005)
    raise AssertionError(f"no daily loss rejection within {timeout_s}s")


def test_a_day_halted_by_its_loss_opens_nothing_after_a_sigkill_and_restart(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path, candles=96)
    # Slow enough that a UTC day (24 cycles) takes seconds: the kill lands on the halted day.
    with (tmp_path / "first.log").open("wb") as log:
        first = subprocess.Popen(
            command(rig, 100), stdout=log, stderr=subprocess.STDOUT, env=environment(), cwd=rig.root
        )
    try:
        _, halt_ms = first_halt(rig.state_db, first, timeout_s=120)
    finally:
        kill(first)
    day = halt_ms // DAY_MS
    (watermark,) = rows(rig.state_db, "SELECT MAX(timestamp_ms) FROM equity")[0]
    assert int(str(watermark)) // DAY_MS == day, "killed after the halted day ended"
    (last_before,) = rows(rig.state_db, "SELECT MAX(id) FROM events")[0]

    second = subprocess.run(
        command(rig, 0),
        capture_output=True,
        env=environment(),
        cwd=rig.root,
        timeout=300,
    )
    assert second.returncode == 0, second.stderr.decode()[-3000:]

    after = rows(
        rig.state_db,
        "SELECT timestamp_ms, kind, detail FROM events WHERE id > ? AND kind='decision' "
        "ORDER BY id",
        (last_before,),
    )
    same_day = [(t, d) for t, _, d in after if int(str(t)) // DAY_MS == day]
    opened = [d for _, d in same_day if "sent as" in str(d) and "reduce-only" not in str(d)]
    refused = [d for _, d in same_day if HALT in str(d)]
    assert refused, "the strategy asked to open again that day (else this test proves nothing)"
    assert opened == [], f"opening orders sent on the halted day after the restart: {opened}"
    intents = rows(
        rig.state_db,
        "SELECT client_order_id FROM intents WHERE reduce_only=0 AND created_ms > ? "
        "AND created_ms / ? = ?",
        (halt_ms, DAY_MS, day),
    )
    assert intents == []
    # The next day trades again: the halt is that day's only.
    next_day = [d for t, _, d in after if int(str(t)) // DAY_MS > day and "sent as" in str(d)]
    assert next_day, "nothing was sent on the following days"
