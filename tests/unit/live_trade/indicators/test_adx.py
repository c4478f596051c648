"""DirectionalIndex equals its numpy reference and reads a steady climb as a trend."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.features.live_trade.indicators import DirectionalIndex, directional_index
from tests.unit.live_trade.indicators._walks import assert_agree, candles, columns


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(candles(), st.integers(1, 20))
def test_incremental_equals_the_numpy_reference(
    rows: list[tuple[float, float, float]], window: int
) -> None:
    adx = DirectionalIndex(window)
    got = [adx.update(*row) for row in rows]
    expected, plus, minus = directional_index(*columns(rows), window)
    assert_agree([d and d.adx for d in got], expected, abs_=1e-6)
    assert_agree([d and d.plus_di for d in got], plus, abs_=1e-6)
    assert_agree([d and d.minus_di for d in got], minus, abs_=1e-6)
    assert all(d is None or 0 <= d.adx <= 100 for d in got)


def test_a_steady_climb_is_a_strong_up_trend() -> None:
    adx = DirectionalIndex(3)
    for i in range(10):
        last = adx.update(101.0 + i, 99.0 + i, 100.0 + i)
    assert last is not None
    assert last.adx == 100.0 and last.minus_di == 0.0 and last.plus_di > 0
    # 2 x window candles before the first value.
    fresh = DirectionalIndex(3)
    assert [fresh.update(1.0 + i, 0.5 + i, 0.8 + i) is None for i in range(6)] == [True] * 5 + [
        False
    ]
