"""Time and peak memory of loading one big candle file, the way `perps-bot backtest` loads it.

Writes a file of one-minute candles (about 200 MB by default) to a temporary directory, once whole
and once with a bad last line, and loads each in a fresh subprocess, printing the wall time, the
child's peak RSS (resource.getrusage) and what the loader said. A figure to compare before and
after a change, not a test: the machine is shared, so nothing here is asserted.

    .venv/bin/python scripts/measure_csv_load.py [--mb 200] [--dir /tmp]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = "timestamp_ms,open,high,low,close,volume\n"
MINUTE = 60_000
START_MS = 1_704_067_200_000  # 2024-01-01

LOADER = """
import resource
import sys
from bot_v2.domain.errors import BotError
from bot_v2.orchestration.backtest.data import SymbolFiles, load_data
try:
    data = load_data([SymbolFiles("BTC/USDT:USDT", sys.argv[1])])
    print(f"loaded {data.candles} candles")
except BotError as exc:
    print(f"refused: {str(exc)[:160]}")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def write_file(path: Path, megabytes: int, bad_last_line: bool) -> int:
    rows = 0
    target = megabytes * 1_000_000
    written = len(HEADER)
    price = 42_000.0
    with path.open("w") as handle:
        handle.write(HEADER)
        chunk: list[str] = []
        while written < target:
            ts = START_MS + rows * MINUTE
            price += ((rows * 7919) % 201 - 100) / 10
            line = f"{ts},{price:.1f},{price + 12.5:.1f},{price - 11.3:.1f},{price + 1.2:.1f},123.456\n"
            chunk.append(line)
            written += len(line)
            rows += 1
            if len(chunk) == 100_000:
                handle.write("".join(chunk))
                chunk.clear()
        if bad_last_line:
            chunk.append(f"{START_MS + rows * MINUTE},1,1,x,1,1\n")
            rows += 1
        handle.write("".join(chunk))
    return rows


def measure(path: Path) -> tuple[float, float, str]:
    """Wall time, the child's own peak RSS in MB (it prints its ru_maxrss, in kB on Linux), and
    the loader's verdict."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LOADER, str(path)], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or len(lines) < 2:
        return elapsed, 0.0, (done.stdout + done.stderr).strip().splitlines()[-1]
    return elapsed, int(lines[-1]) / 1024, lines[-2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for bad in (True, False):
            path = Path(tmp) / ("bad-last-line.csv" if bad else "good.csv")
            rows = write_file(path, args.mb, bad)
            size = path.stat().st_size / 1e6
            elapsed, peak_mb, said = measure(path)
            print(
                f"{path.name}: {size:.0f} MB, {rows} rows: {elapsed:.1f} s, "
                f"peak RSS {peak_mb:.0f} MB; {said}"
            )
            path.unlink()


if __name__ == "__main__":
    main()
