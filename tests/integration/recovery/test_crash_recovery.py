"""kill -9 at any moment, restart, and nothing is lost or doubled.

The real `perps-bot` trades a persistent sim exchange and is killed with SIGKILL again and again:
right after an order's intent is committed and before it is sent, right after the venue accepted
an order and before anything about it was stored, during start-up, and at random moments. After
every kill a restart reconciles (`--cycles 0`), and both files are checked: no client order id was
sent twice, every venue fill is stored exactly once, stored positions and cash equal the venue's,
and no intent is left without an outcome. A last run goes to the end of the replay.

CI does PERPS_CRASH_KILLS kills (default 20: each way four times); `make soak` runs the soak variant with
PERPS_SOAK_KILLS (default 300) on a longer replay. PERPS_CRASH_SEED replays one sequence of kills.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.integration.recovery._harness import (
    Rig,
    check_invariants,
    kill,
    last_reconciliation,
    make_rig,
    reconcile_only,
    start,
    wait_for,
)

# Replay pace while a run may be killed: slow enough for kills to land between cycles.
PACE_MS = 1


def crash_and_recover(rig: Rig, kills: int, seed: int) -> Counter[str]:
    rng = random.Random(seed)
    ways: Counter[str] = Counter()
    schedule: list[str] = []
    for n in range(kills):
        if not schedule:  # every five kills use each way, in a random order
            schedule = ["intent", "submit", "random", "random", "startup"]
            rng.shuffle(schedule)
        way = schedule.pop()
        log = rig.root / f"run-{n}.log"
        if way in ("intent", "submit"):
            proc = start(
                rig,
                PACE_MS,
                log,
                PERPS_FAULT_PAUSE_AFTER=way,
                PERPS_FAULT_PAUSE_NTH=str(rng.randint(1, 3)),
            )
            paused = wait_for(proc, log, "fault-pause:", timeout_s=60)
            way = way if paused else "finished"
        elif way == "startup":
            proc = start(rig, PACE_MS, log)
            time.sleep(rng.uniform(0.0, 0.8))
        else:
            proc = start(rig, PACE_MS, log)
            started = wait_for(proc, log, "health http://", timeout_s=60)
            time.sleep(rng.uniform(0.0, 1.2) if started else 0)
        finished = proc.poll() is not None
        kill(proc)
        ways["finished" if finished else way] += 1

        check = reconcile_only(rig, rig.root / f"check-{n}.log")
        context = f"seed {seed}, kill {n} ({way})"
        assert check.returncode == 0, f"{context}: {check.stdout!r} {check.stderr!r}"
        assert b"Traceback" not in check.stderr, context
        assert not last_reconciliation(rig).startswith("failed"), context
        try:
            counts = check_invariants(rig, rig.root / f"scratch-{n}")
        except AssertionError as exc:
            raise AssertionError(f"{context}: {exc}") from None
        ways["orders"] = counts["orders"]
        ways["never_sent"] = counts["never_sent"]
    return ways


def run_to_the_end(rig: Rig) -> str:
    log = rig.root / "final.log"
    proc = start(rig, 0, log)
    assert proc.wait(timeout=600) == 0, log.read_text()[-3000:]
    return log.read_text()


def kill_count(variable: str, default: int) -> int:
    return max(int(os.environ.get(variable, default)), 1)


def seed() -> int:
    return int(os.environ.get("PERPS_CRASH_SEED", random.randrange(1_000_000)))


def test_kill_9_at_any_moment_loses_and_doubles_nothing(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, candles=1200)
    chosen = seed()
    ways = crash_and_recover(rig, kill_count("PERPS_CRASH_KILLS", 20), chosen)
    # The deterministic kill points were hit, and some intents really died unsent.
    assert ways["intent"] > 0 and ways["submit"] > 0, (chosen, ways)
    assert ways["orders"] > 0
    out = run_to_the_end(rig)
    assert "stopped: replay finished" in out
    counts = check_invariants(rig, tmp_path / "scratch-final")
    assert counts["orders"] >= ways["orders"]


@pytest.mark.soak
@pytest.mark.timeout(4 * 3600)
def test_soak_kill_9_hundreds_of_times(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, candles=4000)
    chosen = seed()
    ways = crash_and_recover(rig, kill_count("PERPS_SOAK_KILLS", 300), chosen)
    assert ways["intent"] > 0 and ways["submit"] > 0, (chosen, ways)
    assert "stopped: replay finished" in run_to_the_end(rig)
    check_invariants(rig, tmp_path / "scratch-final")
