"""RollingBeta equals numpy's OLS slope of each window and finds a known hedge ratio."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.features.live_trade.indicators import RollingBeta, rolling_beta
from tests.unit.live_trade.indicators._walks import assert_agree, closes, closes_of

noise = st.lists(st.floats(min_value=-0.01, max_value=0.01), min_size=160, max_size=160)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(closes(), noise, st.floats(-3, 3), st.integers(2, 30))
def test_incremental_equals_the_numpy_reference(
    xs: list[float], wiggle: list[float], slope: float, window: int
) -> None:
    ys = [slope * x + 5.0 + w * x for x, w in zip(xs, wiggle, strict=False)]
    beta = RollingBeta(window)
    got = [beta.update(x, y) for x, y in zip(xs, ys, strict=True)]
    assert_agree(got, rolling_beta(xs, ys, window), rel=1e-6, abs_=1e-6)


def test_an_exact_line_has_its_slope() -> None:
    xs = closes_of(100.0, [0.01, -0.02, 0.03, 0.01, -0.01, 0.02])
    beta = RollingBeta(4)
    got = [beta.update(x, 2.5 * x - 7.0) for x in xs]
    assert got[:3] == [None] * 3
    assert all(abs(g - 2.5) < 1e-9 for g in got[3:] if g is not None)
    flat = RollingBeta(2)
    assert [flat.update(1.0, y) for y in (1.0, 2.0)] == [None, None]


@settings(max_examples=60, deadline=None)
@given(st.integers(5, 40), st.integers(0, 2**32 - 1))
def test_a_quiet_window_after_a_busy_one_is_still_exact(window: int, seed: int) -> None:
    # The running sums hold a busy stretch's squares; a quiet window's variance is a sliver of them,
    # so rounding alone would move the slope in the fifth digit unless the sums are recomputed.
    rng = np.random.default_rng(seed)
    busy = 100 * np.exp(np.cumsum(rng.normal(0, 0.2, window)))
    quiet = busy[-1] * (1 + np.cumsum(rng.normal(0, 1e-6, 3 * window)))
    xs = np.concatenate([busy, quiet])
    ys = 1.7 * xs + rng.normal(0, 1e-4, len(xs)) * xs
    beta = RollingBeta(window)
    got = [beta.update(x, y) for x, y in zip(xs.tolist(), ys.tolist(), strict=True)]
    assert_agree(got, rolling_beta(xs, ys, window), rel=1e-6, abs_=1e-6)
