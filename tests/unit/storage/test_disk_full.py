"""A checkpoint cut short by a full disk leaves the main file shorter than its header says, with the
write-ahead log still holding every commit. That database is healthy: it is opened, not refused as
"truncated" (which advised moving it away, with its order intents)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.unit.storage._support import open_store

ROOT = Path(__file__).resolve().parents[3]


def cut_checkpoint(path: Path, intents: int, limit: int) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.unit.storage._disk_full",
            str(path),
            str(intents),
            str(limit),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def header_bytes(path: Path) -> int:
    header = path.read_bytes()[:100]
    return int.from_bytes(header[16:18], "big") * int.from_bytes(header[28:32], "big")


def test_a_checkpoint_cut_by_a_full_disk_leaves_a_database_that_opens_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    said = cut_checkpoint(path, intents=300, limit=40_000)
    # The situation the issue describes: a short main file, and a log holding the rest.
    assert "failed" in said or "(1," in said, said
    assert path.stat().st_size < header_bytes(path)
    assert Path(f"{path}-wal").stat().st_size > 0

    store = open_store(path)
    try:
        assert [i.request.client_order_id for i in store.load_pending_intents()] == [
            f"c{i}" for i in range(300)
        ]
        assert store.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        store.close()
