"""The pure half of `data download`: the asks cover the range exactly once, and a venue's answer that
is not what was asked (another symbol, outside the ask, off the grid, two different rows at one
time) is refused whole, while repeats are dropped and holes reported."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.errors import DataError
from bot_v2.domain.market import Candle, Gap
from bot_v2.features.market_data.download import manifest, plan
from bot_v2.ports.market_data import FundingRecord

BTC = "BTC/USDT:USDT"
H = 3_600_000


def candle(ts: int, symbol: str = BTC, close: str = "100") -> Candle:
    c = Decimal(close)
    return Candle(symbol, H, ts, c, c, c, c, Decimal(1))


@given(
    start=st.integers(0, 10**12),
    length=st.integers(0, 10**6),
    span=st.integers(1000, 10**7),
)
def test_windows_cover_the_range_once_in_bounded_asks(start: int, length: int, span: int) -> None:
    asks = list(plan.windows(start, start + length, span))
    assert len(asks) == plan.count_windows(start, start + length, span)
    covered = start
    for ask in asks:
        assert ask.since_ms == covered
        assert ask.since_ms <= ask.until_ms < ask.since_ms + span
        covered = ask.until_ms + 1
    assert covered == max(start, start + length)


@given(
    last=st.one_of(st.none(), st.integers(0, 10**12)),
    start=st.integers(0, 10**12),
    step=st.sampled_from([1, 60_000, H]),
)
def test_a_series_resumes_after_its_last_row_and_never_before_the_start(
    last: int | None, start: int, step: int
) -> None:
    at = plan.resume_at(start, last, step)
    assert at >= start
    if last is not None:
        assert at > last


def test_the_end_never_reaches_a_candle_still_forming() -> None:
    now = 10 * H + 5
    assert plan.closed_end(None, now, H) == 10 * H
    assert plan.closed_end(20 * H, now, H) == 10 * H
    assert plan.closed_end(3 * H, now, H) == 3 * H


def test_repeats_are_dropped_and_rows_sorted() -> None:
    ask = plan.Window(0, 5 * H)
    rows, dropped = plan.check_candles("v", BTC, H, ask, [candle(2 * H), candle(H), candle(H)])
    assert [r.timestamp_ms for r in rows] == [H, 2 * H]
    assert dropped == 1


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (candle(H, symbol="ETH/USDT:USDT"), "rows of 'ETH/USDT:USDT' when asked for"),
        (candle(6 * H), "outside the asked"),
        (candle(H + 1), "off the 3600000 ms grid"),
    ],
)
def test_an_answer_that_was_not_asked_for_is_an_error(row: Candle, problem: str) -> None:
    with pytest.raises(DataError, match=problem):
        plan.check_candles(
            "binanceusdm candles BTC", BTC, H, plan.Window(0, 5 * H), [candle(0), row]
        )


def test_two_different_rows_at_one_time_are_an_error_not_a_choice() -> None:
    with pytest.raises(DataError, match="two different rows"):
        plan.check_candles("v", BTC, H, plan.Window(0, H), [candle(0), candle(0, close="101")])


def test_funding_of_another_symbol_or_outside_the_ask_is_refused() -> None:
    ask = plan.Window(0, 8 * H)
    good = FundingRecord(BTC, 8 * H, Decimal("0.0001"))
    assert plan.check_funding("v", BTC, ask, [good, good]) == ([good], 1)
    with pytest.raises(DataError, match="rows of 'ETH/USDT:USDT'"):
        plan.check_funding("v", BTC, ask, [FundingRecord("ETH/USDT:USDT", H, Decimal(0))])
    with pytest.raises(DataError, match="outside the asked"):
        plan.check_funding("v", BTC, ask, [FundingRecord(BTC, 8 * H + 1, Decimal(0))])


def test_holes_are_reported_from_the_last_kept_candle_and_at_the_end() -> None:
    rows = [candle(3 * H), candle(4 * H), candle(7 * H)]
    assert plan.gaps(BTC, H, H, rows) == [Gap(BTC, H, H, 3 * H), Gap(BTC, H, 4 * H, 7 * H)]
    assert plan.gaps(BTC, H, None, rows[:2]) == []
    assert plan.trailing_gap(BTC, H, 7 * H, 0, 8 * H) is None
    tail = plan.trailing_gap(BTC, H, 7 * H, 0, 10 * H)
    assert tail == Gap(BTC, H, 7 * H, 10 * H) and tail.missing == 2
    nothing = plan.trailing_gap(BTC, H, None, 0, 3 * H)
    assert nothing is not None and nothing.missing == 3


def test_coverage_of_an_earlier_run_is_believed_only_while_the_file_ends_where_it_left_it() -> None:
    entry = {
        "symbol": BTC,
        "last_ms": 5 * H,
        "covered_from_ms": 0,
        "covered_to_ms": 9 * H,
        "gaps": [{"after_ms": H, "before_ms": 3 * H}],
    }
    assert manifest.coverage(entry, 5 * H, H) == manifest.Coverage(
        0, 9 * H, (Gap(BTC, H, H, 3 * H),)
    )
    # Rows appended since (a run killed before it wrote the manifest): only the start holds.
    assert manifest.coverage(entry, 6 * H, H) == manifest.Coverage(0)
    assert manifest.coverage(None, 5 * H, H) == manifest.Coverage()
