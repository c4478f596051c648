"""RollingVariance and RollingZScore equal numpy's var and z-score of each window."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.features.live_trade.indicators import (
    RollingVariance,
    RollingZScore,
    rolling_variance,
    rolling_zscore,
)
from tests.unit.live_trade.indicators._walks import assert_agree, closes

anything = st.lists(st.floats(min_value=-1e6, max_value=1e6), max_size=120)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(anything, st.integers(1, 30))
def test_variance_equals_numpy_on_any_values(values: list[float], window: int) -> None:
    variance = RollingVariance(window)
    got = [variance.update(v) for v in values]
    expected = rolling_variance(values, window)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        if math.isnan(e):
            assert g is None
            continue
        # Rounding is relative to the largest deviation the sums held: the last two windows.
        recent = values[max(0, i - 2 * window) : i + 1]
        scale = max(recent) - min(recent)
        assert g is not None and math.isclose(g, e, rel_tol=1e-9, abs_tol=1e-9 * scale * scale)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(closes(), st.integers(2, 30))
def test_variance_and_z_score_equal_numpy_on_prices(values: list[float], window: int) -> None:
    variance, z = RollingVariance(window), RollingZScore(window)
    got_var = [variance.update(v) for v in values]
    got_z = [z.update(v) for v in values]
    scale = max(values, default=1.0)
    assert_agree(got_var, rolling_variance(values, window), abs_=1e-12 * scale * scale)
    assert_agree(got_z, rolling_zscore(values, window), rel=1e-6, abs_=1e-6)


def test_a_flat_window_has_z_score_zero_and_a_step_counts() -> None:
    z = RollingZScore(4)
    assert [z.update(v) for v in (5.0, 5.0, 5.0, 5.0)] == [None, None, None, 0.0]
    # Window 5, 5, 5, 9: mean 6, population std sqrt(3).
    assert z.update(9.0) == (9.0 - 6.0) / math.sqrt(3.0)
