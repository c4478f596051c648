"""Run as a script in a subprocess: record intents in a store with checkpoints held back, then lower
the file-size limit (RLIMIT_FSIZE: writes past it fail with EFBIG, as on a full disk) and let a
checkpoint run into it, as the bot's automatic checkpoint would. Prints what the checkpoint said."""

from __future__ import annotations

import resource
import signal
import sqlite3
import sys
from pathlib import Path

from tests.unit.storage._support import open_store, request


def main(path: Path, intents: int, limit: int) -> None:
    store = open_store(path)
    store.db.execute("PRAGMA wal_autocheckpoint=0")
    for i in range(intents):
        store.record_intent(request(f"c{i}"), i)
        store.record_event(i, "note", "x" * 400)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, not the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    try:
        print(store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
    except sqlite3.Error as exc:
        print(f"checkpoint failed: {exc}")
    store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
