"""A downloaded series file is appended page by page beside the finished file and renamed over it
when the run completes: the finished file never holds a half row, and a run killed mid-write
resumes after the last whole row it kept, with no row twice."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from bot_v2.adapters.replay.csv_files import read_candles, read_funding
from bot_v2.adapters.replay.layout import HEADERS
from bot_v2.adapters.replay.series_file import CsvSeriesFile
from bot_v2.domain.market import Candle
from bot_v2.ports.market_data import FundingRecord

BTC = "BTC/USDT:USDT"
M = 60_000


def candles(first: int, n: int) -> list[Candle]:
    return [
        Candle(BTC, M, (first + i) * M, Decimal("100.5"), Decimal(101), Decimal(100),
               Decimal("100.25"), Decimal("0.00000001"))
        for i in range(n)
    ]  # fmt: skip


def test_pages_become_the_file_only_when_the_run_finishes(tmp_path: Path) -> None:
    path = tmp_path / "BTC_USDT_USDT-1m.csv"
    series = CsvSeriesFile(path, HEADERS["candles"])
    series.append(candles(0, 3))
    series.append(candles(3, 2))
    assert not path.exists() and series.part.is_file()
    summary = series.finish()
    assert not series.part.exists()
    rows, gaps = read_candles(path, BTC, M)
    assert [c.timestamp_ms for c in rows] == [i * M for i in range(5)] and gaps == []
    assert rows[0].volume == Decimal("0.00000001")  # plain digits, never 1E-8
    assert (summary.rows, summary.first_ms, summary.last_ms) == (5, 0, 4 * M)
    assert summary.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_half_row_left_by_a_killed_writer_is_cut_and_the_run_resumes_after_the_last_whole_row(
    tmp_path: Path,
) -> None:
    path = tmp_path / "BTC_USDT_USDT-1m.csv"
    first = CsvSeriesFile(path, HEADERS["candles"])
    first.append(candles(0, 3))
    with first.part.open("ab") as handle:  # what a write cut by SIGKILL leaves
        handle.write(b"180000,100.5,10")
    again = CsvSeriesFile(path, HEADERS["candles"])
    assert (again.first_ms, again.last_ms) == (0, 2 * M)
    again.append(candles(3, 2))
    again.finish()
    rows, _ = read_candles(path, BTC, M)
    assert [c.timestamp_ms for c in rows] == [i * M for i in range(5)]


def test_a_finished_file_stays_whole_until_the_next_run_finishes(tmp_path: Path) -> None:
    path = tmp_path / "BTC_USDT_USDT-1m.csv"
    series = CsvSeriesFile(path, HEADERS["candles"])
    series.append(candles(0, 2))
    series.finish()
    before = path.read_bytes()
    more = CsvSeriesFile(path, HEADERS["candles"])
    assert more.last_ms == M
    more.append(candles(2, 2))
    assert path.read_bytes() == before  # the run appends to its part, not to the file
    more.finish()
    assert len(read_candles(path, BTC, M)[0]) == 4


def test_a_series_with_nothing_to_fetch_is_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "BTC_USDT_USDT-funding.csv"
    empty = CsvSeriesFile(path, HEADERS["funding"]).finish()
    assert path.read_text() == "timestamp_ms,funding_rate\n" and empty.rows == 0
    series = CsvSeriesFile(path, HEADERS["funding"])
    series.append([FundingRecord(BTC, 8 * 3_600_000, Decimal("-0.00005"))])
    series.finish()
    before = path.stat().st_mtime_ns
    summary = CsvSeriesFile(path, HEADERS["funding"]).finish()
    assert path.stat().st_mtime_ns == before and summary.rows == 1
    assert read_funding(path)[0].rate == Decimal("-0.00005")


def test_one_download_per_directory_and_the_lock_goes_with_its_holder(tmp_path: Path) -> None:
    import pytest

    from bot_v2.adapters.replay.recorded_files import RecordedFiles
    from bot_v2.domain.errors import ConfigError

    first, second = RecordedFiles(tmp_path, "bybit"), RecordedFiles(tmp_path, "bybit")
    first.lock()
    with pytest.raises(ConfigError) as caught:
        second.lock()
    assert caught.value.lines == [
        f"--out: another download is writing {tmp_path / 'bybit'}; wait for it to end"
    ]
    first.release()
    second.lock()
    second.release()
