"""Walk-forward folds: they fit in the data, tests follow trains and tile the end of the data."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.errors import ConfigError
from bot_v2.features.optimize.windows import Fold, make_folds, parse_span

DAY = 86_400_000


def test_rolling_and_anchored() -> None:
    assert make_folds(0, 10 * DAY, 2, 4 * DAY, 3 * DAY, "rolling") == (
        Fold(0, 0, 4 * DAY, 7 * DAY),
        Fold(1, 3 * DAY, 7 * DAY, 10 * DAY),
    )
    assert make_folds(0, 10 * DAY, 2, 4 * DAY, 3 * DAY, "anchored") == (
        Fold(0, 0, 4 * DAY, 7 * DAY),
        Fold(1, 0, 7 * DAY, 10 * DAY),
    )


def test_windows_longer_than_the_data_are_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        make_folds(0, 90 * DAY, 6, 120 * DAY, 30 * DAY)
    assert caught.value.lines == [
        "--walk-forward 6 --train 120d --test 30d: the windows need 300d of data, the data "
        "holds 90d"
    ]


@pytest.mark.parametrize("text", ["", "10", "0d", "3y", "-4d"])
def test_bad_spans(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_span(text, "--train")


def test_spans() -> None:
    assert parse_span("120d", "--train") == 120 * DAY
    assert parse_span("2w", "--train") == 14 * DAY
    assert parse_span("90m", "--train") == 90 * 60_000


@given(
    start=st.integers(0, 10**12),
    length=st.integers(1, 10**10),
    folds=st.integers(1, 12),
    train=st.integers(1, 10**9),
    test=st.integers(1, 10**9),
    anchored=st.booleans(),
)
def test_folds_fit_and_tile_the_end(
    start: int, length: int, folds: int, train: int, test: int, anchored: bool
) -> None:
    end = start + length
    scheme = "anchored" if anchored else "rolling"
    if train + folds * test > length:
        with pytest.raises(ConfigError):
            make_folds(start, end, folds, train, test, scheme)
        return
    found = make_folds(start, end, folds, train, test, scheme)
    assert len(found) == folds
    assert found[-1].test_end_ms == end
    for f in found:
        assert start <= f.train_start_ms < f.train_end_ms < f.test_end_ms <= end
        assert f.test_end_ms - f.test_start_ms == test
        assert f.train_end_ms - f.train_start_ms >= train
        if anchored:
            assert f.train_start_ms == start
        else:
            assert f.train_end_ms - f.train_start_ms == train
    for a, b in itertools.pairwise(found):
        assert b.test_start_ms == a.test_end_ms  # out-of-sample windows tile, no overlap
