"""PercentileRank is numpy's count of the window below the latest value (ties half), exactly."""

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


def test_ties_count_half() -> None:
    rank = PercentileRank(3)
    # [2, 1, 3]: a new high, 2.5 of 3; [1, 3, 0]: a new low, 0.5 of 3; [3, 0, 2]: the middle.
    assert [rank.update(v) for v in (2.0, 1.0, 3.0, 0.0, 2.0)] == [None, None, 5 / 6, 1 / 6, 0.5]
    flat = PercentileRank(4)
    assert [flat.update(7.0) for _ in range(5)][-1] == 0.5
