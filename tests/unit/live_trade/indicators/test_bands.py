"""Bollinger and Keltner bands equal their numpy references."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.features.live_trade.indicators import Bollinger, Keltner, bollinger, keltner
from tests.unit.live_trade.indicators._walks import assert_agree, candles, closes, columns

mults = st.floats(min_value=0.1, max_value=4)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(closes(), st.integers(2, 30), mults)
def test_bollinger_equals_numpy(values: list[float], window: int, mult: float) -> None:
    bands = Bollinger(window, mult)
    got = [bands.update(v) for v in values]
    lower, mid, upper = bollinger(values, window, mult)
    tol = 1e-9 * max(values, default=1.0)
    assert_agree([b and b.lower for b in got], lower, abs_=tol)
    assert_agree([b and b.mid for b in got], mid, abs_=tol)
    assert_agree([b and b.upper for b in got], upper, abs_=tol)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(candles(), st.integers(1, 30), st.integers(1, 30), mults)
def test_keltner_equals_numpy(
    rows: list[tuple[float, float, float]], window: int, atr_window: int, mult: float
) -> None:
    bands = Keltner(window, atr_window, mult)
    got = [bands.update(*row) for row in rows]
    high, low, close = columns(rows)
    lower, mid, upper = keltner(high, low, close, window, atr_window, mult)
    tol = 1e-9 * max((r[0] for r in rows), default=1.0)
    assert_agree([b and b.lower for b in got], lower, abs_=tol)
    assert_agree([b and b.mid for b in got], mid, abs_=tol)
    assert_agree([b and b.upper for b in got], upper, abs_=tol)


def test_bollinger_by_hand() -> None:
    bands = Bollinger(2, 2.0)
    assert bands.update(1.0) is None
    b = bands.update(3.0)
    # Mean 2, population std 1.
    assert b is not None and (b.lower, b.mid, b.upper, b.width) == (0.0, 2.0, 4.0, 4.0)
    assert not math.isnan(b.width)
