"""The fast reader (numpy, by blocks) and the plain one (line by line) refuse the same files with the
same line, in any block size, and accept the same files with the same values."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.adapters.replay import text_blocks
from bot_v2.adapters.replay.csv_files import read_candles
from bot_v2.adapters.replay.fast_csv import read_candle_columns
from bot_v2.domain.errors import DataError

H = 3_600_000
SYMBOL = "BTC/USDT:USDT"
HEADER = b"timestamp_ms,open,high,low,close,volume\n"
JUNK = [
    "x",
    "1.5",
    "-1",
    "",
    "nan",
    "inf",
    "1e3",
    "1_0",
    " 7 ",
    "0",
    "\xff",
    "\x00",
    "1,2",
    '"1"',
    "1e400",
    "1e301",
    "9007199254740993",
    "99999999999999999999",
]


def good_rows(n: int) -> list[list[str]]:
    return [[str(k * H), "100", "101", "99", "100.5", "10"] for k in range(n)]


def outcome(read: object) -> str:
    try:
        read()  # type: ignore[operator]
    except DataError as exc:
        return str(exc)
    return "ok"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n=st.integers(1, 40),
    where=st.integers(0, 39),
    column=st.integers(0, 5),
    junk=st.sampled_from(JUNK),
    block=st.sampled_from([16, 64, 200, 1 << 20]),
    blank=st.booleans(),
)
def test_one_bad_value_anywhere_gives_the_same_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    n: int, where: int, column: int, junk: str, block: int, blank: bool,
) -> None:  # fmt: skip
    rows = good_rows(n)
    rows[where % n][column] = junk
    lines = [",".join(r) for r in rows]
    if blank:
        lines.insert(where % n, "")
    path = tmp_path / "c.csv"
    path.write_bytes(HEADER + "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n")
    monkeypatch.setattr(text_blocks, "BLOCK_BYTES", block)
    plain = outcome(lambda: read_candles(path, SYMBOL, H))
    fast = outcome(lambda: read_candle_columns(path, SYMBOL, H))
    assert fast == plain


@pytest.mark.parametrize("block", [16, 100, 1 << 20])
def test_a_good_file_reads_the_same_in_any_block_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    path = tmp_path / "c.csv"
    body = [",".join(r) for r in good_rows(30)]
    body.insert(7, "")
    path.write_text(HEADER.decode() + "\n".join(body) + "\n")
    monkeypatch.setattr(text_blocks, "BLOCK_BYTES", block)
    candles, gaps = read_candles(path, SYMBOL, H)
    columns, fast_gaps = read_candle_columns(path, SYMBOL, H)
    assert list(columns.sequence()) == candles and fast_gaps == gaps == []


def test_a_bad_last_line_after_many_blocks_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.csv"
    body = [",".join(r) for r in good_rows(500)] + [f"{500 * H},100,101,x,100,10"]
    path.write_text(HEADER.decode() + "\n".join(body) + "\n")
    monkeypatch.setattr(text_blocks, "BLOCK_BYTES", 256)
    with pytest.raises(DataError, match=r"c\.csv:502: low is not a number: 'x'"):
        read_candle_columns(path, SYMBOL)
