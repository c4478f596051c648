"""Objectives from an equity curve, and the deflated Sharpe ratio."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.features.optimize.deflated import deflated_sharpe, expected_max_sharpe, verdict
from bot_v2.features.optimize.objectives import CAP, DAY_MS, score

HOUR = 3_600_000


def curve(values: list[float]) -> tuple[np.ndarray, np.ndarray]:
    times = np.arange(len(values), dtype=np.int64) * HOUR
    return times, np.asarray(values, dtype=float)


@given(st.lists(st.floats(100, 1e6), min_size=2, max_size=400))
def test_scores_are_finite_and_bounded(values: list[float]) -> None:
    found = score(*curve(values))
    for name in ("sharpe", "sortino", "calmar", "profit", "profit_dd", "period_sharpe"):
        assert math.isfinite(getattr(found, name))
    assert 0.0 <= found.max_drawdown <= 1.0
    assert -CAP <= found.sharpe <= CAP
    assert found.profit == values[-1] / values[0] - 1


def test_a_rising_curve_beats_a_falling_one() -> None:
    days = 30
    up = [10_000.0]
    for i in range(days * 24 - 1):
        up.append(up[-1] * (1 + 0.0002 + 0.0003 * (i % 7) * (i % 5)))
    down = list(reversed(up))
    a, b = score(*curve(up)), score(*curve(down))
    assert a.sharpe > 0 > b.sharpe
    assert a.profit > 0 > b.profit
    assert a.max_drawdown == 0 < b.max_drawdown
    assert a.profit_dd > b.profit_dd
    # Daily returns: one per UTC day boundary in the window.
    assert a.periods == days - 1
    assert DAY_MS == 24 * HOUR


def test_the_best_of_more_trials_must_clear_a_higher_bar() -> None:
    rng = np.random.default_rng(1)
    few = rng.normal(0, 0.05, 10).tolist()
    many = rng.normal(0, 0.05, 1000).tolist()
    assert expected_max_sharpe(many) > expected_max_sharpe(few) > 0
    # One Sharpe, judged among more trials: less likely to be skill.
    assert deflated_sharpe(0.1, 365, 0.0, 3.0, many) < deflated_sharpe(0.1, 365, 0.0, 3.0, few)


@given(
    sharpe=st.floats(-1, 1),
    periods=st.integers(2, 5000),
    skew=st.floats(-2, 2),
    kurtosis=st.floats(1, 20),
    trials=st.lists(st.floats(-1, 1), min_size=0, max_size=50),
)
def test_deflated_sharpe_is_a_probability(
    sharpe: float, periods: int, skew: float, kurtosis: float, trials: list[float]
) -> None:
    p = deflated_sharpe(sharpe, periods, skew, kurtosis, trials)
    assert 0.0 <= p <= 1.0
    assert verdict(p) in ("likely luck", "likely skill")


def test_a_long_strong_record_among_few_trials_is_skill() -> None:
    assert verdict(deflated_sharpe(0.2, 1000, 0.0, 3.0, [0.0, 0.05, 0.1, 0.2])) == "likely skill"
