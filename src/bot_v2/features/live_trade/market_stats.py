"""What sizing and the protections read from recent candles: the average true range, and the
correlation of returns between two symbols. Money stays Decimal (the ATR sizes orders); the
correlation is a statistic, computed in float64 by numpy."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import numpy as np

from bot_v2.domain.market import Candle


class CandleSource(Protocol):
    """Recent closed candles of a symbol, oldest first (MarketDataService). `candles_version`
    changes whenever any symbol's candles do; `recent` is the last `count` of `candles`."""

    @property
    def candles_version(self) -> int: ...

    def candles(self, symbol: str) -> list[Candle]: ...

    def recent(self, symbol: str, count: int) -> list[Candle]: ...


def average_true_range(candles: Sequence[Candle], window: int) -> Decimal | None:
    """The simple mean of the last `window` true ranges; None with fewer than window + 1 candles
    (the first true range needs the close before it)."""
    if window <= 0 or len(candles) < window + 1:
        return None
    recent = candles[-(window + 1) :]
    total = Decimal(0)
    for before, candle in itertools.pairwise(recent):
        prev = before.close
        total += max(candle.high - candle.low, abs(candle.high - prev), abs(candle.low - prev))
    return total / window


def correlation(a: Sequence[Candle], b: Sequence[Candle], window: int) -> float | None:
    """Pearson correlation of the two symbols' close-to-close returns over their last `window`
    common candle times; None with fewer than 3 common returns or a flat series."""
    closes_a = {c.timestamp_ms: float(c.close) for c in a}
    closes_b = {c.timestamp_ms: float(c.close) for c in b}
    times = sorted(closes_a.keys() & closes_b.keys())[-(window + 1) :]
    if len(times) < 4:
        return None
    xa = np.array([closes_a[t] for t in times])
    xb = np.array([closes_b[t] for t in times])
    ra = np.diff(xa) / xa[:-1]
    rb = np.diff(xb) / xb[:-1]
    if ra.std() == 0 or rb.std() == 0:
        return None
    return float(np.corrcoef(ra, rb)[0, 1])
