"""`perps-bot data download` through the real command against loopback venues in their own
processes: the files it writes are what `perps-bot backtest --data DIR --symbol SYM` runs on (the
same run as on the bundled files they came from), a second run asks the venue for nothing, a run
killed with SIGKILL mid-download and run again leaves the files an uninterrupted run leaves, and bad
input is one line, exit 2, nothing written."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomli_w

from tests.e2e._cli import BIN, ROOT, WAIT_S, cli_env, summary_value
from tests.loopback import ccxt_config_for, wait_for_state_file

HISTORY_PATHS = {
    "binanceusdm": ("/fapi/v1/klines", "/fapi/v1/markPriceKlines", "/fapi/v1/fundingRate"),
    "bybit": ("/v5/market/kline", "/v5/market/mark-price-kline", "/v5/market/funding/history"),
    "okx": ("candles", "funding-rate-history"),
}
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
RANGE = ("--timeframe", "1h", "--from", "2024-01-01", "--to", "2024-02-29")
BUNDLED = ROOT / "src/bot_v2/resources/data/binance_usdm"


@contextmanager
def venue_process(tmp_path: Path, venue: str) -> Iterator[str]:
    state = tmp_path / f"{venue}.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.loopback.serve", venue, "--state-file", str(state)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield str(wait_for_state_file(state)["url"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def config_file(tmp_path: Path, venue: str, url: str, **ccxt: Any) -> Path:
    path = tmp_path / f"{venue}.toml"
    config = {"broker": {"ccxt_config": ccxt_config_for(venue, url, **ccxt)}}
    path.write_text(tomli_w.dumps(config))
    return path


def download_command(venue: str, config: Path, out: Path, *extra: str) -> list[str]:
    return [
        str(BIN), "data", "download", "--exchange", venue, "--symbols", f"{BTC},{ETH}",
        *RANGE, "--out", str(out), "--config", str(config), "--no-progress", *extra,
    ]  # fmt: skip


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, env=cli_env(), cwd=cwd, timeout=WAIT_S
    )


def history_requests(url: str, venue: str) -> int:
    return sum(
        len(httpx.get(f"{url}/__test__/requests", params={"path": p}, timeout=10).json())
        for p in HISTORY_PATHS[venue]
    )


def files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.rglob("*.csv"))}


@pytest.mark.parametrize("venue", sorted(HISTORY_PATHS))
def test_download_then_backtest_and_a_second_run_asks_for_nothing(
    venue: str, tmp_path: Path
) -> None:
    out = tmp_path / "data"
    with venue_process(tmp_path, venue) as url:
        config = config_file(tmp_path, venue, url)
        first = run(download_command(venue, config, out), tmp_path)
        assert first.returncode == 0, first.stderr
        asked = history_requests(url, venue)
        written = files(out)
        second = run(download_command(venue, config, out), tmp_path)
        assert second.returncode == 0, second.stderr
        assert history_requests(url, venue) == asked
    assert files(out) == written and len(written) == 6
    assert "(0 new in 0 request(s))" in second.stdout
    directory = str(out / venue)
    backtest = run(
        [str(BIN), "backtest", "--data", directory, "--symbol", BTC, "--data", directory,
         "--symbol", ETH, "--no-progress"],
        tmp_path,
    )  # fmt: skip
    assert backtest.returncode == 0, backtest.stderr
    assert int(summary_value(backtest.stdout, "trades")) > 0
    if venue == "binanceusdm":
        # The same run as on the bundled files the loopback venue served.
        bundled = run(
            [str(BIN), "backtest", "--no-progress", "--from", "2024-01-01", "--to", "2024-02-29",
             "--data", str(BUNDLED / "1h/BTCUSDT-1h-2024.csv"), "--symbol", BTC,
             "--mark", str(BUNDLED / "1h_mark/BTCUSDT-mark-1h-2024.csv"),
             "--funding", str(BUNDLED / "funding/BTCUSDT-funding-upto-2024.csv"),
             "--data", str(BUNDLED / "1h/ETHUSDT-1h-2024.csv"), "--symbol", ETH,
             "--mark", str(BUNDLED / "1h_mark/ETHUSDT-mark-1h-2024.csv"),
             "--funding", str(BUNDLED / "funding/ETHUSDT-funding-upto-2024.csv")],
            tmp_path,
        )  # fmt: skip
        assert bundled.returncode == 0, bundled.stderr
        assert summary_value(backtest.stdout, "fills") == summary_value(bundled.stdout, "fills")


def test_a_download_killed_mid_page_and_run_again_leaves_the_files_of_an_uninterrupted_one(
    tmp_path: Path,
) -> None:
    venue = "binanceusdm"
    with venue_process(tmp_path, venue) as url:
        # A long client timeout: the stalled page must still be in flight when the kill comes.
        config = config_file(tmp_path, venue, url, timeout=120_000)
        clean = run(download_command(venue, config, tmp_path / "clean"), tmp_path)
        assert clean.returncode == 0, clean.stderr
        before = len(httpx.get(f"{url}/__test__/requests", params={"path": "klines"}).json())
        # Two pages of candles per symbol: BTC's two and ETH's first are answered, ETH's second
        # stalls (BTC's three files are finished by then).
        httpx.post(
            f"{url}/__test__/history",
            json={"stall_after": {"path": "/fapi/v1/klines", "pages": 3}},
        )
        out = tmp_path / "resumed"
        proc = subprocess.Popen(
            download_command(venue, config, out),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=cli_env(),
            cwd=tmp_path,
        )
        part = out / venue / "ETH_USDT_USDT-1h.csv.part"
        deadline = time.monotonic() + WAIT_S
        while (
            len(httpx.get(f"{url}/__test__/requests", params={"path": "klines"}).json())
            < before + 4
        ):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the download never reached the stalled page"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        kept = part.read_text().splitlines()
        assert not (out / venue / "ETH_USDT_USDT-1h.csv").exists()
        assert len(kept) == 1 + 1000  # the header and the first page, whole
        httpx.post(f"{url}/__test__/history", json={"clear": True})
        resumed = run(download_command(venue, config, out), tmp_path)
        assert resumed.returncode == 0, resumed.stderr
    assert files(out) == files(tmp_path / "clean")
    assert not list(out.rglob("*.part"))
    manifest = json.loads((out / venue / "manifest.json").read_text())
    assert sorted(f["rows"] for f in manifest["files"]) == [180, 180, 1440, 1440, 1440, 1440]


def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    with venue_process(tmp_path, "binanceusdm") as url:
        config = config_file(tmp_path, "binanceusdm", url)
        cases = [
            (["--exchange", "kraken"], "--exchange: 'kraken' is not a supported venue"),
            (["--from", "2024-03-01", "--to", "2024-02-01"], "--from: 2024-03-01 is after --to"),
            (["--out", str(not_a_dir / "data")], f"--out: {not_a_dir} is not a directory"),
            (["--symbols", "DOGE/USDT:USDT"], "--symbols: binanceusdm: DOGE/USDT:USDT is not"),
            (["--timeframe", "7m"], "--timeframe: binanceusdm has no 7m candles"),
            (["--kinds", "trades"], "--kinds: expected some of candles,mark,funding"),
        ]
        for extra, line in cases:
            out = tmp_path / "out"
            command = download_command("binanceusdm", config, out)
            proc = run([*command, *extra], tmp_path)
            assert proc.returncode == 2, (extra, proc.stderr)
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"perps-bot: {line}"), lines
            assert not out.exists(), extra
        assert history_requests(url, "binanceusdm") == 0
