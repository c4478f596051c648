"""A maker entry survives kill -9: the real `perps-bot` with [strategy.entry] kind = "maker" trades
the persistent sim exchange and is killed while entries rest, right after a placement's intent is
committed, and right after the venue took it. After each kill a restart reconciles (`--cycles 0`)
and the crash rig's invariants hold (no id sent twice, fills and positions as the venue has them,
no intent without an outcome), and every entry resting on the venue is the stored working entry of
its symbol: none is orphaned, none doubled. A last run to the end resumes what was left working."""

from __future__ import annotations

import random
import time
from pathlib import Path

from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.domain.orders import OrderType
from bot_v2.features.live_trade.maker.working import META_KEY, decode
from tests.integration.recovery._harness import (
    Rig,
    check_invariants,
    exchange_state,
    kill,
    last_reconciliation,
    make_rig,
    reconcile_only,
    start,
    wait_for,
)

KILLS = 9
MAKER = """
[strategy.entry]
kind = "maker"
reprice_after_s = 7200
max_reprices = 2
fallback = "market"
"""


def maker_rig(root: Path) -> Rig:
    rig = make_rig(root, candles=900)
    text = rig.config.read_text()
    # The table goes before [monitoring]: TOML keys after it would belong to it.
    rig.config.write_text(text.replace("[monitoring]", MAKER.strip() + "\n[monitoring]", 1))
    return rig


def check_entries(rig: Rig, scratch: Path) -> int:
    """Every open plain order on the venue is its symbol's stored working entry; returns how many
    entries rest on the venue now."""
    venue = exchange_state(rig, scratch)
    store = SqliteStateStore(rig.state_db)
    store.open()
    try:
        working = decode(store.get_meta(META_KEY))
    finally:
        store.close()
    resting = [
        o
        for o in venue.orders.values()
        if not o.type.is_conditional and o.status.is_open and o.type is OrderType.LIMIT
    ]
    ids = {e.client_order_id for e in working.values()}
    orphans = [o.client_order_id for o in resting if o.client_order_id not in ids]
    assert not orphans, f"resting entries no stored entry names: {orphans}"
    assert len({o.symbol for o in resting}) == len(resting), "two entries rest on one symbol"
    assert all(o.post_only for o in resting)
    return len(resting)


def test_maker_entries_survive_kill_9_and_resume(tmp_path: Path) -> None:
    rig = maker_rig(tmp_path)
    rng = random.Random(16)
    resting_at_kill = 0
    ways = ["intent", "submit", "random"] * (KILLS // 3)
    for n, way in enumerate(ways):
        log = rig.root / f"run-{n}.log"
        if way == "random":
            proc = start(rig, 1, log)
            if wait_for(proc, log, "health http://", timeout_s=60):
                time.sleep(rng.uniform(0.1, 1.0))
        else:
            proc = start(
                rig,
                1,
                log,
                PERPS_FAULT_PAUSE_AFTER=way,
                PERPS_FAULT_PAUSE_NTH=str(rng.randint(1, 3)),
            )
            wait_for(proc, log, "fault-pause:", timeout_s=60)
        kill(proc)
        check = reconcile_only(rig, rig.root / f"check-{n}.log")
        assert check.returncode == 0, (n, way, check.stdout, check.stderr)
        assert not last_reconciliation(rig).startswith("failed"), (n, way)
        check_invariants(rig, rig.root / f"scratch-{n}")
        resting_at_kill += check_entries(rig, rig.root / f"entries-{n}")
    assert resting_at_kill > 0, "no kill found an entry resting"

    log = rig.root / "final.log"
    proc = start(rig, 0, log)
    assert proc.wait(timeout=600) == 0, log.read_text()[-3000:]
    assert "stopped: replay finished" in log.read_text()
    counts = check_invariants(rig, tmp_path / "scratch-final")
    check_entries(rig, tmp_path / "entries-final")
    venue = exchange_state(rig, tmp_path / "scratch-end")
    assert any(f.is_maker for f in venue.fills), "entries filled resting"
    assert counts["orders"] > 0
