"""Random-walk candles with a fixed seed: benchmarks and tests run on them, and anyone can try a
strategy on them without data. Prices are on a 0.1 tick; each candle opens at the previous close."""

from __future__ import annotations

import numpy as np

from bot_v2.adapters.replay.columns import CandleColumns

T0_MS = 1_704_067_200_000  # 2024-01-01 00:00 UTC


def random_walk(
    symbol: str,
    candles: int,
    timeframe_ms: int = 60_000,
    seed: int = 1,
    start_ms: int = T0_MS,
    price: float = 30_000.0,
    volatility: float = 0.0008,
) -> CandleColumns:
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, volatility, candles)
    closes = np.round(price * np.exp(np.cumsum(steps)), 1)
    opens = np.round(np.concatenate(([price], closes[:-1])), 1)
    wick = np.abs(rng.normal(0.0, volatility / 2, (2, candles)))
    highs = np.round(np.maximum(opens, closes) * (1 + wick[0]), 1)
    lows = np.round(np.minimum(opens, closes) * (1 - wick[1]), 1)
    volumes = np.round(rng.lognormal(3.0, 0.5, candles), 3)
    times = start_ms + np.arange(candles, dtype=np.int64) * timeframe_ms
    return CandleColumns(symbol, timeframe_ms, times, opens, highs, lows, closes, volumes)
