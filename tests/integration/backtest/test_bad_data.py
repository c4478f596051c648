"""Every bad data file given to the real `perps-bot backtest` is one line on stderr naming the file,
its line where there is one, and the problem; exit 2 and nothing written."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "perps-bot"
BTC = "BTC/USDT:USDT"
H = 3_600_000
T0 = 1_704_067_200_000  # 2024-01-01 00:00 UTC
CANDLE_HEADER = "timestamp_ms,open,high,low,close,volume\n"
MARK_HEADER = "timestamp_ms,open,high,low,close\n"
FUNDING_HEADER = "timestamp_ms,funding_rate\n"


def backtest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERPS")}
    return subprocess.run(
        [str(BIN), "backtest", "--no-progress", "--report-dir", str(tmp_path / "report"), *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip


def candles(n: int = 60, step: int = H, start: int = T0) -> str:
    return CANDLE_HEADER + "".join(f"{start + k * step},100,101,99,100.5,10\n" for k in range(n))


def marks(n: int = 60, step: int = H, start: int = T0, price: float = 100.0) -> str:
    return MARK_HEADER + "".join(
        f"{start + k * step},{price},{price + 1},{price - 1},{price}\n" for k in range(n)
    )


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def refused(result: subprocess.CompletedProcess[str], where: str, problem: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"perps-bot: {where}"), lines[0]
    assert problem in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def replace_line(text: str, line: int, new: str) -> str:
    rows = text.splitlines(keepends=True)
    rows[line - 1] = new
    return "".join(rows)


# -- item 10: the candle file itself --------------------------------------------------------------
CANDLE_CASES: dict[str, tuple[Callable[[], str | bytes], str, str]] = {
    "binary": (lambda: bytes(range(256)) * 40, ":1:", "not a text file"),
    "partly binary": (
        lambda: candles(20).encode() + b"\xff\xfe\x80garbage\n" + candles(5).encode(),
        ":22:",
        "not UTF-8 text (byte 0xff)",
    ),
    "fractional timestamp": (
        lambda: replace_line(candles(20), 5, f"{T0 + 3 * H}.5,100,101,99,100.5,10\n"),
        ":5:",
        "timestamp_ms is not an integer",
    ),
    "bad last line": (
        lambda: candles(200_000).rstrip("\n") + "x\n",
        ":200001:",
        "volume is not a number",
    ),
}


@pytest.mark.parametrize("case", list(CANDLE_CASES))
def test_a_bad_candle_file(tmp_path: Path, case: str) -> None:
    make, line, problem = CANDLE_CASES[case]
    path = write(tmp_path, "c.csv", make())
    refused(backtest(tmp_path, "--data", str(path), "--symbol", BTC), f"{path}{line}", problem)
    assert not (tmp_path / "report").exists()


def test_files_of_different_timeframes_are_refused_whichever_comes_first(tmp_path: Path) -> None:
    fine = write(tmp_path, "fine.csv", candles(600, 60_000))
    coarse = write(tmp_path, "coarse.csv", candles(60, H))
    eth = "ETH/USDT:USDT"
    for first, second in ((fine, coarse), (coarse, fine)):
        result = backtest(
            tmp_path, "--data", str(first), "--symbol", BTC, "--data", str(second), "--symbol", eth
        )
        refused(result, f"{second}: candles are", f"apart, those in {first}")


# -- item 3: marks that do not belong to the candles ---------------------------------------------
MARK_CASES: dict[str, tuple[Callable[[], str], str, str]] = {
    "8h marks for 1h candles": (
        lambda: marks(10, 8 * H),
        "m.csv: mark candles are 8h apart",
        "the candles in",
    ),
    "shifted by half an interval": (
        lambda: marks(60, H, T0 + H // 2),
        "m.csv:2: mark candle at",
        "1800000 ms off the 1h grid",
    ),
    "another year": (
        lambda: marks(60, H, T0 - 366 * 24 * H),
        "m.csv: marks cover 2022-12-31 00:00",
        "no time in common",
    ),
    "another price level": (
        lambda: marks(60, H, T0, price=2500.0),
        "m.csv:2: mark close 2500.0",
        "marks of another market?",
    ),
    "negative": (
        lambda: replace_line(marks(), 4, f"{T0 + 2 * H},-100,101,99,100\n"),
        "m.csv:4:",
        "mark prices must be > 0",
    ),
    "high below low": (
        lambda: replace_line(marks(), 6, f"{T0 + 4 * H},100,98,102,100\n"),
        "m.csv:6:",
        "inconsistent mark OHLC",
    ),
}


@pytest.mark.parametrize("case", list(MARK_CASES))
def test_marks_that_do_not_belong_to_the_candles(tmp_path: Path, case: str) -> None:
    make, where, problem = MARK_CASES[case]
    data = write(tmp_path, "c.csv", candles())
    mark = write(tmp_path, "m.csv", make())
    result = backtest(tmp_path, "--data", str(data), "--mark", str(mark), "--symbol", BTC)
    refused(result, f"{tmp_path}/{where}", problem)


def test_marks_of_the_candles_interval_are_accepted(tmp_path: Path) -> None:
    data = write(tmp_path, "c.csv", candles())
    mark = write(tmp_path, "m.csv", marks())
    result = backtest(tmp_path, "--data", str(data), "--mark", str(mark), "--symbol", BTC)
    assert result.returncode == 0, result.stderr


# -- item 5: funding ------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", ["5", "1e300", "-0.2"])
def test_an_absurd_funding_rate_is_refused(tmp_path: Path, rate: str) -> None:
    data = write(tmp_path, "c.csv", candles())
    body = "".join(f"{T0 + k * 8 * H},0.0001\n" for k in range(5))
    funding = write(
        tmp_path, "f.csv", FUNDING_HEADER + replace_line(body, 3, f"{T0 + 16 * H},{rate}\n")
    )
    result = backtest(tmp_path, "--data", str(data), "--funding", str(funding), "--symbol", BTC)
    refused(result, f"{funding}:4:", f"funding_rate {rate} is outside +-0.1 per settlement")


# -- item 4: exchange rules -----------------------------------------------------------------------
XRP_DATA = "bundled:freqtrade_testdata_XRP_2021/XRPUSDT-5m-20211115-20211121.csv"
XRP_ARGS = ("--data", XRP_DATA, "--symbol", "XRPUSDT", "--set", "strategy.params.short_window=5",
            "--set", "strategy.params.long_window=20")  # fmt: skip


def test_a_symbol_without_exchange_rules_is_refused_at_start(tmp_path: Path) -> None:
    result = backtest(tmp_path, *XRP_ARGS)
    refused(result, "config.markets: no exchange rules for XRP/USDT:USDT", "[markets.")
    assert not (tmp_path / "report").exists()


def test_given_rules_are_the_rules_traded_on(tmp_path: Path) -> None:
    config = write(tmp_path, "xrp.toml", (
        '[markets."XRPUSDT"]\ntick_size = 0.0001\nstep_size = 0.1\nmin_size = 0.1\n'
        "min_notional = 5\nmax_leverage = 75\n"
    ))  # fmt: skip
    result = backtest(tmp_path, *XRP_ARGS, "--config", str(config))
    assert result.returncode == 0, result.stderr
    with (tmp_path / "report" / "fills.csv").open() as handle:
        sizes = [Decimal(row["size"]) for row in csv.DictReader(handle)]
    assert sizes and all(size % Decimal("0.1") == 0 for size in sizes)


def test_an_inverse_symbol_is_refused(tmp_path: Path) -> None:
    data = write(tmp_path, "c.csv", candles())
    result = backtest(tmp_path, "--data", str(data), "--symbol", "BTC/USD:BTC")
    refused(result, "config.bot.symbols: BTC/USD:BTC is settled in BTC", "linear perpetuals")


def test_the_dev_replay_refuses_the_same_files(tmp_path: Path) -> None:
    """`perps-bot --profile dev` reads its [replay] files with the same reader and rules."""
    eight_hourly = write(tmp_path, "m.csv", marks(10, 8 * H))
    data = write(tmp_path, "c.csv", candles())
    config = write(tmp_path, "dev.toml", (
        f'[bot]\nsymbols = ["{BTC}"]\ndata_dir = "{tmp_path / "var"}"\n[monitoring]\nhttp_port = 0\n'
        f'[replay.candles]\n"{BTC}" = "{data}"\n[replay.mark]\n"{BTC}" = "{eight_hourly}"\n'
    ))  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERPS")}
    result = subprocess.run(
        [str(BIN), "--profile", "dev", "--config", str(config)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    refused(result, f"{eight_hourly}: mark candles are 8h apart", f"the candles in {data} 1h")
