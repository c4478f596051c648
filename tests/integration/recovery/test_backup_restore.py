"""`perps-bot state backup` and `state restore` with the real CLI: a backup taken while a real bot
keeps writing is a consistent database holding every intent recorded before it began; a restore is
refused while the bot runs, works once it stopped (keeping the replaced database), and the bot
resumes from the restored state and reconciles it with the venue; a backup from a newer schema, or
a file that is no perps-bot state database, is refused with one line, exit 2, nothing written."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from bot_v2.adapters.storage.sqlite.schema import SCHEMA_VERSION
from bot_v2.adapters.storage.sqlite.shape import tables_at
from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.features.live_trade.accounting import Ledger
from tests.integration.recovery._harness import (
    BIN,
    Rig,
    bot_command,
    environment,
    exchange_state,
    kill,
    make_rig,
    start,
    wait_for,
)


def state(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "state", *args],
        capture_output=True,
        text=True,
        env=environment(),
        cwd=cwd,
        timeout=120,
    )


def bot_run(rig: Rig, cycles: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        bot_command(rig, 0, "--cycles", str(cycles)),
        capture_output=True,
        text=True,
        env=environment(PERPS_FAULT_SUBMIT_LOG=str(rig.submit_log)),
        cwd=rig.root,
        timeout=300,
    )


def intents(db_path: Path) -> dict[str, tuple[object, ...]]:
    """Each intent's request as recorded (its outcome may change later; the request never does)."""
    db = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT client_order_id, symbol, side, type, size, price, reduce_only, created_ms "
            "FROM intents"
        ).fetchall()
    finally:
        db.close()
    return {r[0]: tuple(r[1:]) for r in rows}


def wait_for_more_intents(db_path: Path, than: int, proc: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        count = len(intents(db_path)) if db_path.exists() else 0
        if count > than:
            return count
        assert proc.poll() is None, "the bot stopped before trading"
        time.sleep(0.05)
    raise AssertionError(f"no new intent in 120s after {than}")


def check_copy(backup: Path) -> None:
    db = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        for table in sorted(tables_at(SCHEMA_VERSION)):
            db.execute(f"SELECT * FROM {table}").fetchall()  # every table reads whole
    finally:
        db.close()
    assert not Path(f"{backup}-wal").exists(), "a backup is one self-contained file"


def files(directory: Path) -> dict[str, tuple[int, int, str]]:
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def one_line_refusal(result: subprocess.CompletedProcess[str], expected: str) -> str:
    assert result.returncode == 2, result
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line, result.stderr
    assert line.startswith("perps-bot: error: ") and expected in line, line
    return line


def test_backup_while_running_then_restore_refused_then_restored_and_resumed(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path / "rig", candles=600)
    log = tmp_path / "bot.log"
    bot = start(rig, 30, log)
    backups: list[tuple[Path, dict[str, tuple[object, ...]]]] = []
    try:
        assert wait_for(bot, log, "health http://", timeout_s=60)
        seen = 0
        for n in range(3):
            seen = wait_for_more_intents(rig.state_db, seen, bot)
            before = intents(rig.state_db)
            target = tmp_path / f"backup-{n}.db"
            made = state("backup", "--config", str(rig.config), "--to", str(target), cwd=rig.root)
            assert made.returncode == 0, made.stderr
            assert made.stdout.startswith(f"backup: {target} (schema version {SCHEMA_VERSION}, ")
            assert bot.poll() is None, "the bot kept running through the backup"
            check_copy(target)
            copied = intents(target)
            # Everything recorded before the backup began is in it, exactly as recorded.
            assert before.items() <= copied.items()
            backups.append((target, copied))

        refused = state(
            "restore", str(backups[0][0]), "--data-dir", str(rig.data_dir), cwd=rig.root
        )
        one_line_refusal(refused, f"in use by a running perps-bot (pid {bot.pid}): stop it")
        assert bot.poll() is None
        assert not [p for p in rig.data_dir.iterdir() if "restor" in p.name]
    finally:
        kill(bot)  # kill -9: its last commits are left in the -wal, as after a crash

    final = intents(rig.state_db)
    for _, copied in backups:  # later commits only add: every backup is a prefix of the end
        assert copied.keys() <= final.keys()
    oldest, copied = backups[0]
    restored = state("restore", str(oldest), "--data-dir", str(rig.data_dir), cwd=rig.root)
    assert restored.returncode == 0, restored.stderr
    kept = rig.data_dir / "state.db.before-restore"
    assert f"the replaced database is kept as {kept}" in restored.stdout
    assert intents(kept) == final, "the replaced database is kept whole, its -wal folded in"
    assert not Path(f"{rig.state_db}-wal").exists()
    assert intents(rig.state_db) == copied

    # The bot resumes from the restored state; reconciliation brings it level with the venue.
    resumed = bot_run(rig, 20)
    assert resumed.returncode == 0, resumed.stderr
    level_with_the_venue(rig, tmp_path / "scratch")
    assert copied.keys() <= intents(rig.state_db).keys()


def level_with_the_venue(rig: Rig, scratch: Path) -> None:
    """After resuming from an older backup: no client order id sent twice (the intents after the
    backup are gone, so the next sequence must come from the venue's orders), and fills, funding,
    positions and cash equal the venue's. (The journal of intents sent after the backup is what a
    restore gives up; the venue still has those orders and their fills.)"""
    venue = exchange_state(rig, scratch)
    sent = Counter(rig.submit_log.read_text().split())
    assert not [coid for coid, n in sent.items() if n > 1]
    store = SqliteStateStore(rig.state_db)
    store.open()
    try:
        assert {f.fill_id: f for f in store.load_fills()} == {f.fill_id: f for f in venue.fills}
        assert store.load_pending_intents() == []
        positions = {s: (p.size, p.entry_price) for s, p in store.load_positions().items()}
        assert positions == {
            s: (p.size, p.entry_price) for s, p in venue.positions.items() if p.size != 0
        }
        ledger = Ledger(Decimal(store.get_meta("initial_balance") or "0"))
        for f in store.load_fills():
            ledger.apply_fill(f)
        for payment in store.load_funding():
            ledger.apply_funding(payment)
        assert ledger.cash == venue.wallet
    finally:
        store.close()


def traded_backup(tmp_path: Path) -> tuple[Rig, Path]:
    rig = make_rig(tmp_path / "rig", candles=200)
    done = bot_run(rig, 100)
    assert done.returncode == 0, done.stderr
    target = tmp_path / "b.db"
    made = state("backup", "--data-dir", str(rig.data_dir), "--to", str(target), cwd=rig.root)
    assert made.returncode == 0, made.stderr
    return rig, target


def test_a_backup_from_a_newer_schema_or_no_state_database_is_refused_untouched(
    tmp_path: Path,
) -> None:
    rig, backup = traded_backup(tmp_path)
    newer = tmp_path / "newer.db"
    newer.write_bytes(backup.read_bytes())
    db = sqlite3.connect(newer)
    db.execute("UPDATE schema_version SET version=?", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    other = tmp_path / "other.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE notes (x)")
    db.commit()
    db.close()
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    cases = {
        newer: f"schema version {SCHEMA_VERSION + 1}, newer than this bot's {SCHEMA_VERSION}",
        other: "is not a perps-bot state database",
        text: "is not a perps-bot state database",
        tmp_path / "missing.db": "does not exist",
    }
    before = files(rig.data_dir)
    for file, expected in cases.items():
        result = state("restore", str(file), "--data-dir", str(rig.data_dir), cwd=rig.root)
        line = one_line_refusal(result, expected)
        assert str(file) in line
        assert files(rig.data_dir) == before

    existing = state("backup", "--data-dir", str(rig.data_dir), "--to", str(backup), cwd=rig.root)
    one_line_refusal(existing, "already exists")
