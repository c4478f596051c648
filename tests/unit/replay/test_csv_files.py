from pathlib import Path

import pytest

from bot_v2.adapters.replay.csv_files import read_candles, read_funding, resolve_path
from bot_v2.domain.errors import DataError

H = 3_600_000
HEADER = "timestamp_ms,open,high,low,close,volume\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "candles.csv"
    path.write_text(header + body)
    return path


def test_bundled_btc_file_reads_whole_year_without_gaps() -> None:
    candles, gaps = read_candles(
        resolve_path("bundled:binance_usdm/1h/BTCUSDT-1h-2024.csv"), "BTC/USDT:USDT", H
    )
    assert len(candles) == 8784
    assert gaps == []
    assert str(candles[0].open) == "42314.0"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("0,1,1,1,1,1\n0,1,1,1,1,1\n", ":3: duplicate timestamp 0"),
        (f"{H},1,1,1,1,1\n0,1,1,1,1,1\n", ":3: timestamps not sorted"),
        ("0,1,abc,1,1,1\n", ":2: high is not a number: 'abc'"),
        ("x,1,1,1,1,1\n", ":2: timestamp_ms is not an integer"),
        ("0,1,1,1,1\n", ":2: expected 6 columns, got 5"),
        ("0,1,0.5,1,1,1\n", ":2: inconsistent OHLCV"),
        ("0,1,1,1,1,1\n5,1,1,1,1,1\n", ":3: timestamp 5 is off the"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(DataError) as err:
        read_candles(path, "BTC/USDT:USDT", H)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)


def test_wrong_header_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "0,1\n", header="time,price\n")
    with pytest.raises(DataError, match=r":1: header must be timestamp_ms,open"):
        read_candles(path, "BTC/USDT:USDT", H)


def test_missing_candles_are_reported_as_gaps(tmp_path: Path) -> None:
    path = write(tmp_path, f"0,1,1,1,1,1\n{3 * H},1,1,1,1,1\n")
    candles, gaps = read_candles(path, "BTC/USDT:USDT", H)
    assert len(candles) == 2
    assert [(g.after_ms, g.before_ms, g.missing) for g in gaps] == [(0, 3 * H, 2)]


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read"):
        read_funding(tmp_path / "nope.csv")
