from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.features.live_trade.indicators import RollingMean, RollingMeanState, rolling_mean

prices = st.floats(min_value=1e-3, max_value=1e7, allow_nan=False, allow_infinity=False)


def incremental(values: list[float], window: int) -> list[float | None]:
    mean = RollingMean(window)
    return [mean.update(v) for v in values]


def assert_agree(values: list[float], window: int, scale: float | None = None) -> None:
    expected = rolling_mean(np.array(values, dtype=np.float64), window)
    got = incremental(values, window)
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        if i < window - 1:
            assert g is None and math.isnan(e), i
            continue
        assert g is not None and not math.isnan(e), i
        # Relative to the magnitude of the window, which is what rounding is relative to.
        ref = scale if scale is not None else abs(e)
        assert abs(g - e) <= 1e-9 * ref, (i, g, e)


@given(st.lists(prices, max_size=200), st.integers(min_value=1, max_value=40))
def test_incremental_equals_vectorized_on_prices(values: list[float], window: int) -> None:
    assert_agree(values, window)


@given(
    st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=120),
    st.integers(min_value=1, max_value=20),
)
def test_incremental_equals_vectorized_on_mixed_signs(values: list[float], window: int) -> None:
    assert_agree(values, window, scale=max(1.0, max(abs(v) for v in values)))


def test_long_run_does_not_drift() -> None:
    rng = np.random.default_rng(7)
    walk = 40_000 + np.cumsum(rng.normal(0, 50, size=200_000))
    walk[::997] *= 1e9  # spikes make add/subtract running sums lose digits once they leave
    expected = rolling_mean(walk, 48)
    mean = RollingMean(48)
    worst = 0.0
    for i, value in enumerate(walk.tolist()):
        got = mean.update(value)
        if got is not None:
            worst = max(worst, abs(got - expected[i]) / abs(expected[i]))
    assert worst <= 1e-12


def test_none_until_window_then_value() -> None:
    mean = RollingMean(3)
    assert mean.value is None
    assert mean.update(1) is None
    assert mean.update(2) is None
    assert mean.update(3) == 2
    assert mean.update(7) == 4
    assert mean.value == 4


def test_vectorized_short_series_is_all_nan() -> None:
    out = rolling_mean(np.array([1.0, 2.0]), 3)
    assert out.dtype == np.float64
    assert np.isnan(out).all()


def test_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window"):
        RollingMean(0)
    with pytest.raises(ValueError, match="window"):
        rolling_mean(np.array([1.0]), 0)


# --- state and restored: a mean rebuilt from its state is the same mean --------------------------


@given(
    st.lists(st.floats(min_value=-1e9, max_value=1e9), max_size=80),
    st.lists(st.floats(min_value=-1e9, max_value=1e9), max_size=30),
    st.integers(min_value=1, max_value=20),
)
def test_a_restored_mean_continues_exactly_as_the_original(
    seen: list[float], later: list[float], window: int
) -> None:
    original = RollingMean(window)
    for value in seen:
        original.update(value)
    state = original.state()
    restored = RollingMean.restored(state)
    assert restored.state() == state and restored.value == original.value
    for value in later:
        assert restored.update(value) == original.update(value)
    assert restored.state() == original.state()


def test_state_names_the_window_values_and_running_sum() -> None:
    mean = RollingMean(2)
    for value in (1.0, 2.0, 4.0):
        mean.update(value)
    state = mean.state()
    assert (state.window, state.recent, state.since_resync) == (2, (2.0, 4.0), 1)
    assert state.total + state.compensation == 6.0


@pytest.mark.parametrize(
    ("recent", "since_resync", "problem"),
    [
        ([1.0, 2.0, 3.0, 4.0], 0, "4 values, 0 since resync"),
        ([1.0], 3, "1 values, 3 since resync"),
        ([1.0], 0, "1 values seen but 0 since resync"),
    ],
)
def test_restored_refuses_a_state_no_updates_reach(
    recent: list[float], since_resync: int, problem: str
) -> None:
    with pytest.raises(ValueError, match=f"not a RollingMean\\(3\\) state: {problem}"):
        RollingMean.restored(RollingMeanState(3, tuple(recent), sum(recent), 0.0, since_resync))
