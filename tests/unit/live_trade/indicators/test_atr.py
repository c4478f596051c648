"""The incremental AverageTrueRange agrees with the numpy reference, and both are the simple mean of
the true range over the window."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.features.live_trade.indicators import (
    AverageTrueRange,
    average_true_range,
    true_range,
)

# (low, span, where the close sits in the range): high = low + span, low <= close <= high, on
# prices that can gap between candles.
rows_of = st.lists(
    st.tuples(
        st.floats(min_value=1e-3, max_value=1e6),
        st.floats(min_value=0, max_value=1e5),
        st.floats(min_value=0, max_value=1),
    ),
    max_size=120,
).map(lambda rows: [(lo + span, lo, lo + span * at) for lo, span, at in rows])


# Generation is slow on a busy machine; the property is what matters.
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(rows_of, st.integers(min_value=1, max_value=30))
def test_incremental_equals_the_numpy_reference(
    rows: list[tuple[float, float, float]], window: int
) -> None:
    atr = AverageTrueRange(window)
    got = [atr.update(h, lo, c) for h, lo, c in rows]
    high, low, close = (np.array([r[i] for r in rows], dtype=np.float64) for i in range(3))
    expected = average_true_range(high, low, close, window)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        if i < window - 1:
            assert g is None and math.isnan(e), i
        else:
            assert g is not None and g == pytest.approx(e, rel=1e-9, abs=1e-9), (i, g, e)
    assert atr.value == (got[-1] if got else None)


def test_true_range_counts_the_gap_from_the_previous_close() -> None:
    # Candle 2 gaps up from a close of 10 to a range of 12..13: its true range is 13 - 10, not 1.
    # Candle 3 gaps down from 12.5 to 9..10: 12.5 - 9.
    high, low, close = [11.0, 13.0, 10.0], [9.0, 12.0, 9.0], [10.0, 12.5, 9.5]
    assert true_range(high, low, close).tolist() == [2.0, 3.0, 3.5]
    atr = AverageTrueRange(2)
    assert [atr.update(*row) for row in zip(high, low, close, strict=True)] == [None, 2.5, 3.25]


def test_a_window_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="window"):
        AverageTrueRange(0)
