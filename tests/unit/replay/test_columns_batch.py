"""CandleColumns.candles(start, stop) builds, together and with a shared memo, exactly the candles
candle(i) builds one by one (a fast backtest's probe relies on it)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.adapters.replay.columns import CandleColumns, ExactMemo
from bot_v2.orchestration.backtest.synthetic import random_walk


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 300), st.integers(0, 300))
def test_a_batch_is_the_candles_one_by_one(seed: int, a: int, b: int) -> None:
    columns = random_walk("BTC/USDT:USDT", 300, seed=seed)
    start, stop = min(a, b), max(a, b)
    memo = ExactMemo()
    # Twice through one memo: the second batch is built from memoized Decimals.
    for _ in range(2):
        got = columns.candles(start, stop, memo)
        assert got == [columns.candle(i) for i in range(start, stop)]
        assert [str(c.close) for c in got] == [
            str(columns.candle(i).close) for i in range(start, stop)
        ]


def test_columns_built_from_candles_hand_those_candles_back() -> None:
    built = random_walk("ETH/USDT:USDT", 20, seed=3)
    candles = [built.candle(i) for i in range(20)]
    columns = CandleColumns.from_candles("ETH/USDT:USDT", built.timeframe_ms, candles)
    got = columns.candles(5, 9)
    assert got == candles[5:9]
    assert all(g is c for g, c in zip(got, candles[5:9], strict=True))
