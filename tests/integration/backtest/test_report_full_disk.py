"""A report directory on a full disk never holds a half-written report: the real CLI runs with a
file-size limit (RLIMIT_FSIZE makes a write past it fail with EFBIG, as ENOSPC does on a full
disk; SIGXFSZ is ignored so the write fails instead of the process), and the directory keeps the
previous report byte for byte, with no temporary file left behind."""

from __future__ import annotations

import hashlib
import resource
import signal
import subprocess
import sys
from pathlib import Path

from bot_v2.adapters.replay.csv_files import resolve_path

BIN = Path(sys.executable).parent / "perps-bot"
D = "bundled:binance_usdm"
REPORT = {"trades.csv", "equity.csv", "fills.csv", "summary.json", "report.html"}


def backtest(report: Path, limit: int | None) -> subprocess.CompletedProcess[str]:
    def capped() -> None:
        if limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = [
        str(BIN),
        "backtest",
        "--no-progress",
        "--data",
        str(resolve_path(f"{D}/1h/BTCUSDT-1h-2024.csv")),
        "--symbol",
        "BTCUSDT",
        "--strategy",
        "baseline",
        "--set",
        "strategy.params.short_window=5",
        "--from",
        "2024-01-01",
        "--to",
        "2024-02-15",
        "--report-dir",
        str(report),
]  # fmt: skip
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        preexec_fn=capped,
        cwd=report.parent,
        timeout=300,
    )


def files(directory: Path) -> dict[str, tuple[int, int, str]]:
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(directory.iterdir())
    }


def refused_for_space(result: subprocess.CompletedProcess[str], report: Path) -> None:
    assert result.returncode == 1, result
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line, result.stderr
    assert line.startswith(f"perps-bot: error: report directory {report}: File too large"), line


def test_a_report_cut_short_by_a_full_disk_leaves_the_previous_report_whole(
    tmp_path: Path,
) -> None:
    report = tmp_path / "report"
    done = backtest(report, limit=None)
    assert done.returncode == 0, done.stderr
    before = files(report)
    assert set(before) == REPORT
    # Room for the small files but not the largest: the old code rewrote some and cut one short.
    largest = max(size for size, _, _ in before.values())
    refused_for_space(backtest(report, limit=largest // 2), report)
    assert files(report) == before


def test_a_first_report_on_a_full_disk_leaves_no_file(tmp_path: Path) -> None:
    report = tmp_path / "report"
    refused_for_space(backtest(report, limit=2048), report)
    assert list(report.iterdir()) == []
