"""A day halted by the daily loss limit stays halted across a crash: the real `perps-bot` trips the
limit in a dev replay, is SIGKILLed, restarted on the same data directory (and the same exchange,
which outlives it), and sends no opening order for the rest of that UTC day although its strategy
keeps asking for them."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

from tests.integration.recovery._harness import BIN, Rig, bot_command, environment, kill, make_rig

DAY_MS = 86_400_000
LIMIT = "20"
HALT = "daily_loss: "


def command(rig: Rig, pace_ms: int) -> list[str]:
    return bot_command(rig, pace_ms, "--set", f"risk.daily_loss_limit={LIMIT}")


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


def halt_and_kill(rig: Rig, tmp_path: Path) -> int:
    """Run the bot until the daily loss limit binds, SIGKILL it; returns the clock ms of the first
    daily-loss rejection."""
    # Slow enough that a UTC day (24 cycles) takes seconds: the kill lands on the halted day.
    with (tmp_path / "first.log").open("wb") as log:
        first = subprocess.Popen(
            command(rig, 100), stdout=log, stderr=subprocess.STDOUT, env=environment(), cwd=rig.root
        )
    try:
        _, halt_ms = first_halt(rig.state_db, first, timeout_s=120)
    finally:
        kill(first)
    (watermark,) = rows(rig.state_db, "SELECT MAX(timestamp_ms) FROM equity")[0]
    assert int(str(watermark)) // DAY_MS == halt_ms // DAY_MS, "killed after the halted day ended"
    return halt_ms


def risk_command(rig: Rig, *args: str) -> list[str]:
    return [str(BIN), "risk", *args, "--profile", "dev", "--config", str(rig.config)]


def risk(rig: Rig, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        risk_command(rig, *args),
        capture_output=True,
        text=True,
        env=environment(),
        cwd=rig.root,
        timeout=60,
    )


def restart(rig: Rig) -> None:
    done = subprocess.run(
        command(rig, 0), capture_output=True, env=environment(), cwd=rig.root, timeout=300
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]


def decisions_after(rig: Rig, event_id: int, day: int) -> list[str]:
    found = rows(
        rig.state_db,
        "SELECT timestamp_ms, detail FROM events WHERE id > ? AND kind='decision' ORDER BY id",
        (event_id,),
    )
    return [str(d) for t, d in found if int(str(t)) // DAY_MS == day]


def opening(decisions: list[str]) -> list[str]:
    return [d for d in decisions if "sent as" in d and "reduce-only" not in d]


def test_a_day_halted_by_its_loss_opens_nothing_after_a_sigkill_and_restart(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path, candles=96)
    halt_ms = halt_and_kill(rig, tmp_path)
    day = halt_ms // DAY_MS
    (last_before,) = rows(rig.state_db, "SELECT MAX(id) FROM events")[0]

    restart(rig)

    same_day = decisions_after(rig, int(str(last_before)), day)
    refused = [d for d in same_day if HALT in d]
    assert refused, "the strategy asked to open again that day (else this test proves nothing)"
    assert opening(same_day) == [], "opening orders sent on the halted day after the restart"
    intents = rows(
        rig.state_db,
        "SELECT client_order_id FROM intents WHERE reduce_only=0 AND created_ms > ? "
        "AND created_ms / ? = ?",
        (halt_ms, DAY_MS, day),
    )
    assert intents == []
    # The next day trades again: the halt is that day's only.
    assert opening(decisions_after(rig, int(str(last_before)), day + 1)), "the next day opened"


def test_an_operator_clears_a_halted_day_and_the_bot_opens_again_that_day(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, candles=96)
    day = halt_and_kill(rig, tmp_path) // DAY_MS
    shown = risk(rig, "show")
    assert shown.returncode == 0, shown.stderr
    assert "day halt          daily loss limit of 20 reached on 2024-01-03" in shown.stdout
    cleared = risk(rig, "clear", "--day-halt")
    assert cleared.returncode == 0, cleared.stderr
    assert "cleared: day_halt" in cleared.stdout and "day halt          -" in cleared.stdout
    (last_before,) = rows(rig.state_db, "SELECT MAX(id) FROM events")[0]
    restart(rig)
    assert opening(decisions_after(rig, int(str(last_before)), day)), "nothing opened that day"


def test_risk_commands_are_refused_while_a_bot_runs(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, candles=96)
    # A minute per candle: the bot holds the data directory's lock, waiting, for the whole check.
    with (tmp_path / "bot.log").open("wb") as log:
        bot = subprocess.Popen(
            command(rig, 60_000),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment(),
            cwd=rig.root,
        )
    try:
        while not rig.state_db.exists():
            assert bot.poll() is None, (tmp_path / "bot.log").read_text()
            time.sleep(0.005)
        for args in (("show",), ("clear", "--day-halt")):
            busy = risk(rig, *args)
            assert busy.returncode == 1 and "in use by another perps-bot" in busy.stderr, busy
        assert bot.poll() is None, "the bot ran the whole time"
    finally:
        kill(bot)
