"""RelativeStrength equals its numpy reference; it reads 50 without movement, 100 only rising."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.features.live_trade.indicators import RelativeStrength, relative_strength
from tests.unit.live_trade.indicators._walks import assert_agree, closes


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(closes(), st.integers(1, 30))
def test_incremental_equals_the_numpy_reference(values: list[float], window: int) -> None:
    rsi = RelativeStrength(window)
    got = [rsi.update(v) for v in values]
    assert_agree(got, relative_strength(values, window), rel=1e-9, abs_=1e-7)
    assert all(g is None or 0.0 <= g <= 100.0 for g in got)


def test_cutler_rsi_by_hand() -> None:
    rsi = RelativeStrength(2)
    # Changes +2, -1, 0: windows (+2, -1) -> 2 / 3; (-1, 0) -> 0 / 1.
    assert [rsi.update(v) for v in (10.0, 12.0, 11.0, 11.0)] == [None, None, 100 * (2 / 3), 0.0]
    still = RelativeStrength(2)
    assert [still.update(v) for v in (7.0, 7.0, 7.0)][-1] == 50.0
    rising = RelativeStrength(2)
    assert [rising.update(v) for v in (1.0, 2.0, 3.0)][-1] == 100.0
