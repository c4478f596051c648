"""PercentileRank is numpy's count of the window at or below the latest value, exactly."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.features.live_trade.indicators import PercentileRank, percentile_rank


@given(st.lists(st.integers(-5, 5).map(float) | st.floats(-1e6, 1e6), max_size=150),
       st.integers(1, 30))  # fmt: skip
def test_incremental_equals_the_numpy_reference_exactly(values: list[float], window: int) -> None:
    rank = PercentileRank(window)
    got = [rank.update(v) for v in values]
    expected = percentile_rank(values, window)
    assert [None if np.isnan(e) else float(e) for e in expected] == got


def test_a_new_high_ranks_one() -> None:
    rank = PercentileRank(3)
    assert [rank.update(v) for v in (2.0, 1.0, 3.0, 0.0, 2.0)] == [None, None, 1.0, 1 / 3, 2 / 3]
