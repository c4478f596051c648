"""ExponentialMean equals its closed-form numpy reference, and starts from the simple mean."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.features.live_trade.indicators import ExponentialMean, exponential_mean
from tests.unit.live_trade.indicators._walks import assert_agree, closes


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(closes(), st.integers(1, 40))
def test_incremental_equals_the_numpy_reference(values: list[float], window: int) -> None:
    ema = ExponentialMean(window)
    got = [ema.update(v) for v in values]
    scale = max(values, default=1.0)
    assert_agree(got, exponential_mean(values, window), rel=1e-9, abs_=1e-12 * scale)
    assert ema.value == (got[-1] if got else None)


def test_the_seed_is_the_simple_mean_then_alpha_is_two_over_window_plus_one() -> None:
    ema = ExponentialMean(3)
    assert [ema.update(v) for v in (1.0, 2.0, 6.0, 7.0)] == [None, None, 3.0, 5.0]


def test_a_window_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="window must be >= 1, got 0"):
        ExponentialMean(0)
