"""The incremental Donchian channel equals a numpy rolling max/min of the last N candles."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.features.live_trade.indicators import Donchian, donchian


@given(
    window=st.integers(1, 30),
    values=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200),
    width=st.floats(0, 1e3),
)
def test_the_channel_is_the_rolling_extremes(
    window: int, values: list[float], width: float
) -> None:
    highs = np.array(values) + width
    lows = np.array(values) - width
    channel = Donchian(window)
    for i in range(len(values)):
        channel.update(float(highs[i]), float(lows[i]))
        start = max(0, i - window + 1)
        assert channel.full == (i + 1 >= window)
        assert channel.upper == highs[start : i + 1].max()
        assert channel.lower == lows[start : i + 1].min()


@given(
    window=st.integers(1, 30),
    values=st.lists(st.floats(-1e6, 1e6), max_size=200),
    width=st.floats(0, 1e3),
)
def test_the_numpy_channel_is_the_incremental_one(
    window: int, values: list[float], width: float
) -> None:
    highs, lows = np.array(values) + width, np.array(values) - width
    upper, lower = donchian(highs, lows, window)
    channel = Donchian(window)
    for i in range(len(values)):
        channel.update(float(highs[i]), float(lows[i]))
        if channel.full:
            assert (upper[i], lower[i]) == (channel.upper, channel.lower)
        else:
            assert np.isnan(upper[i]) and np.isnan(lower[i])
