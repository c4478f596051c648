"""The cyclic garbage collector's pace while the bot runs.

CPython collects its youngest generation every 700 net allocations of tracked objects. A cycle at
1000 symbols allocates far more than that, so whatever was still alive mid-cycle got promoted and
kept triggering full collections. Each one stopped the whole process, the operator API's thread
with it, for 100 to 250 ms: 43 of them in the 420 cycles of scripts/bench_console.py, most of the
API's p99. With a young generation of 50,000 the cycle's temporaries die by reference counting
before a collection sees them; in the same bench 2 full collections ran (52 ms in all, 5.7 s
before).

Reference counting frees nearly everything the bot allocates (candles, Decimals, orders); the
collector is only for reference cycles, which it still finds, a little later. The backtest engine
freezes its long-lived feed instead (backtest/engine.py)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

YOUNG_GENERATION = 50_000


@contextlib.contextmanager
def cycle_sized_collector(young: int = YOUNG_GENERATION) -> Iterator[None]:
    """The collector's first threshold at `young` while the block runs, given back after."""
    before = gc.get_threshold()
    gc.set_threshold(young, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
