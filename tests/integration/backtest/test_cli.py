"""`perps-bot backtest` end to end: summary, report files, the fills hash, and one clear line for a
bad input file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bot_v2.adapters.replay.csv_files import resolve_path
from bot_v2.cli.main import main
from bot_v2.orchestration.backtest.page.render import library

BTC = "BTC/USDT:USDT"
D = "bundled:binance_usdm"
CANDLES = str(resolve_path(f"{D}/1h/BTCUSDT-1h-2024.csv"))
FUNDING = str(resolve_path(f"{D}/funding/BTCUSDT-funding-upto-2024.csv"))
MARK = str(resolve_path(f"{D}/1h_mark/BTCUSDT-mark-1h-2024.csv"))
HEADER = "timestamp_ms,open,high,low,close,volume\n"


def backtest(*args: str) -> int:
    return main(["backtest", "--no-progress", *args])


def quarter(report: Path, mode: str) -> list[str]:
    return [
        "--data", CANDLES, "--funding", FUNDING, "--mark", MARK, "--symbol", "BTCUSDT",
        "--strategy", "baseline", "--set", "strategy.params.short_window=10",
        "--from", "2024-01-01", "--to", "2024-03-31", "--mode", mode, "--report-dir", str(report),
    ]  # fmt: skip


def test_report_files_and_the_same_hash_in_both_modes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert backtest(*quarter(tmp_path / "fast", "fast")) == 0
    out = capsys.readouterr().out
    for label in ("trades", "win rate", "fees", "funding paid", "liquidations", "max drawdown"):
        assert label in out
    assert "sharpe" in out and "exposure time" in out
    assert backtest(*quarter(tmp_path / "step", "step")) == 0
    fast = json.loads((tmp_path / "fast" / "summary.json").read_text())
    step = json.loads((tmp_path / "step" / "summary.json").read_text())
    assert fast["fills_sha256"] == step["fills_sha256"] and len(fast["fills_sha256"]) == 64
    assert fast["mode"] == "fast" and step["mode"] == "step"
    assert fast["start"] == "2024-01-01T00:00:00Z" and fast["end"] == "2024-04-01T00:00:00Z"
    assert fast["candles"] == 91 * 24 == fast["cycles"] == step["cycles_run"] > fast["cycles_run"]
    for key in ("trades", "final_equity", "fees", "funding_paid", "funding_received", "sharpe"):
        assert fast[key] == step[key]
    with (tmp_path / "fast" / "trades.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == fast["trades"] > 0
    with (tmp_path / "fast" / "equity.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == fast["cycles"]
    page = (tmp_path / "fast" / "report.html").read_text()
    assert "<h2>Equity</h2><svg" in page and "<h2>Drawdown</h2><svg" in page
    # Opens offline: the chart library and the page's script are inlined, nothing is fetched
    # (tests/e2e/test_report_browser.py checks it in a browser).
    assert library() in page
    ours = page.replace(library(), "").replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "src=" not in ours and "href=" not in ours and "http" not in ours
    assert 'id="trades"' in page and 'id="monthly"' in page and 'id="slots"' in page


def write(tmp_path: Path, body: str, name: str = "c.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + body)
    return path


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("0,1,1,1,1,1\n0,1,1,1,1,1\n", ":3: duplicate timestamp 0"),
        ("3600000,1,1,1,1,1\n0,1,1,1,1,1\n", ":3: timestamps not sorted"),
        ("0,1,1,1,1,1\n3600000,1,x,1,1,1\n", ":3: high is not a number: 'x'"),
        ("0,1,1,1,1,1\n3600000,1,1,1,1\n", ":3: expected 6 columns, got 5"),
    ],
)
def test_a_bad_file_is_one_line_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, problem: str
) -> None:
    path = write(tmp_path, body)
    assert backtest("--data", str(path), "--symbol", BTC) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"perps-bot: {path}") and problem in err
    assert "\n" not in err and "Traceback" not in err


def test_missing_file_and_unpaired_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert backtest("--data", str(tmp_path / "nope.csv"), "--symbol", BTC) == 2
    assert "nope.csv: cannot read" in capsys.readouterr().err
    path = write(tmp_path, "0,1,1,1,1,1\n")
    assert backtest("--data", str(path), "--data", str(path), "--symbol", BTC) == 2
    assert "--symbol: 1 given for 2 --data" in capsys.readouterr().err
    assert backtest("--data", str(path), "--symbol", BTC, "--from", "yesterday") == 2
    assert "--from: expected YYYY-MM-DD" in capsys.readouterr().err


def test_gaps_are_reported_not_bridged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    h = 3_600_000
    rows = [f"{k * h},100,101,99,100,10\n" for k in range(80) if not 30 <= k < 33]
    path = write(tmp_path, "".join(rows))
    assert backtest("--data", str(path), "--symbol", BTC, "--report-dir", str(tmp_path / "r")) == 0
    captured = capsys.readouterr()
    assert "data gap: BTC/USDT:USDT: 3 candle(s) missing after 1970-01-02 05:00 UTC" in captured.err
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["cycles"] == 77 and len(summary["gaps"]) == 1
