"""Market-like inputs for the indicator properties, and the comparison of an incremental run with
a numpy reference (None where the reference has NaN, close values elsewhere)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st

# Per-candle log returns, zero included (flat stretches are where thresholds bite), and a start.
steps = st.lists(
    st.one_of(st.just(0.0), st.floats(min_value=-0.05, max_value=0.05)), min_size=0, max_size=160
)
starts = st.floats(min_value=1e-2, max_value=1e5)


def closes_of(start: float, moves: Sequence[float]) -> list[float]:
    return (start * np.exp(np.cumsum(np.asarray(moves, dtype=np.float64)))).tolist()


@st.composite
def closes(draw: st.DrawFn) -> list[float]:
    return closes_of(draw(starts), draw(steps))


@st.composite
def candles(draw: st.DrawFn) -> list[tuple[float, float, float]]:
    """(high, low, close) rows around a walk: the close anywhere in a range of up to 3%."""
    walk = closes_of(draw(starts), draw(steps))
    out = []
    for close in walk:
        up = draw(st.one_of(st.just(0.0), st.floats(0, 0.03)))
        down = draw(st.one_of(st.just(0.0), st.floats(0, 0.03)))
        out.append((close * (1 + up), close * (1 - down), close))
    return out


def columns(rows: Sequence[tuple[float, ...]]) -> list[np.ndarray]:
    width = len(rows[0]) if rows else 3
    return [np.array([r[i] for r in rows], dtype=np.float64) for i in range(width)]


def assert_agree(
    got: Sequence[float | None], expected: np.ndarray, rel: float = 1e-9, abs_: float = 1e-9
) -> None:
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        if math.isnan(e):
            assert g is None, (i, g)
        else:
            assert g is not None, (i, e)
            assert math.isclose(g, e, rel_tol=rel, abs_tol=abs_), (i, g, e)
