"""Choosing per fold, stitching test windows, parameter drift and importance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.features.optimize.objectives import score
from bot_v2.features.optimize.walkforward import (
    Curve,
    FoldResult,
    choose,
    drift,
    importance,
    stitch,
)


def test_choose_takes_the_best_and_the_lower_number_on_ties() -> None:
    values = {0: {0: 1.0, 1: 3.0}, 1: {0: 2.0}, 2: {0: 2.0, 1: 0.5}}
    assert choose(values, 0, maximize=True) == 1
    assert choose(values, 1, maximize=True) == 0
    assert choose(values, 0, maximize=False) == 0
    with pytest.raises(ValueError):
        choose(values, 5, maximize=True)


@given(
    st.lists(
        st.lists(st.floats(1, 1e6), min_size=1, max_size=20),
        min_size=1,
        max_size=6,
    ),
    st.floats(1, 1e6),
)
def test_stitched_equity_compounds_each_window(windows: list[list[float]], initial: float) -> None:
    curves = []
    t = 0
    for w in windows:
        curves.append(Curve(np.arange(t, t + len(w), dtype=np.int64), np.asarray(w)))
        t += len(w)
    out = stitch(curves, initial)
    expected = initial
    for w in windows:
        expected *= w[-1] / w[0]
    assert len(out.equity) == sum(len(w) for w in windows)
    assert out.equity[0] == pytest.approx(initial)
    assert out.equity[-1] == pytest.approx(expected, rel=1e-9)
    assert np.all(np.diff(out.timestamps_ms) > 0)


def _fold(i: int, params: dict[str, object]) -> FoldResult:
    flat = score(np.arange(3, dtype=np.int64), np.ones(3))
    return FoldResult(i, i, params, flat, flat)


def test_drift_is_zero_when_folds_agree() -> None:
    same = [_fold(i, {"channel": 20, "shorts": True}) for i in range(3)]
    assert drift(same) == {"channel": 0.0, "shorts": 0.0}
    moving = [_fold(0, {"channel": 10, "shorts": True}), _fold(1, {"channel": 30, "shorts": False})]
    found = drift(moving)
    assert found["channel"] == pytest.approx(0.5)
    assert found["shorts"] == pytest.approx(0.5)


def test_importance_finds_the_parameter_that_moves_the_value() -> None:
    rng = np.random.default_rng(3)
    params = [
        {"a": int(a), "noise": float(n)} for a, n in zip(range(40), rng.random(40), strict=True)
    ]
    values = [float(p["a"]) * 2 + 0.01 * float(p["noise"]) for p in params]  # type: ignore[arg-type]
    found = importance(params, values)
    assert sum(found.values()) == pytest.approx(1.0)
    assert found["a"] > 0.7 > found["noise"]
    assert importance(params[:2], values[:2]) == {}
