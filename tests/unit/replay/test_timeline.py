"""The replay timeline is every close time of every symbol, once each, in order."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.adapters.replay.columns import CandleColumns
from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries

MINUTE = 60_000
starts = st.lists(st.integers(0, 50), min_size=0, max_size=4)
lengths = st.integers(0, 30)


def series(symbol: str, first: int, n: int) -> SymbolSeries:
    opens = (first + np.arange(n)) * MINUTE
    ones = np.ones(n)
    return SymbolSeries(symbol, CandleColumns(symbol, MINUTE, opens, ones, ones, ones, ones, ones))


@given(starts, lengths)
def test_the_timeline_is_the_sorted_union_of_closes(firsts: list[int], n: int) -> None:
    feed = ReplayFeed(
        {f"S{i}/USDT:USDT": series(f"S{i}/USDT:USDT", f, n) for i, f in enumerate(firsts)}, MINUTE
    )
    expected = sorted({(f + k + 1) * MINUTE for f in firsts for k in range(n)})
    assert feed.timeline == expected
