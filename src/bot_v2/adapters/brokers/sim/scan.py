"""Finding, a whole stretch of candles at a time, the first candle where anything can happen to an
account that nobody is touching: a resting limit order trades through, the mark crosses a
liquidation price, or a conditional order's trigger is reached. The scans are conservative in float
(they may name a candle where, checked exactly in Decimal, nothing happens; they never skip one
where something does)."""

from __future__ import annotations

import attrs
import numpy as np

from bot_v2.adapters.replay.feed import SymbolSeries

# Relative slack that covers the float rounding of prices and liquidation prices.
SLACK = 1e-9
# Stretches this short are checked with a plain loop: numpy's call overhead would dominate.
_SHORT = 16


def first_candidate(
    series: SymbolSeries,
    start: int,
    stop: int,
    buy_above: float | None,
    sell_below: float | None,
    long_liquidation: float | None,
    short_liquidation: float | None,
) -> int | None:
    """The first index in [start, stop) where a buy limit at `buy_above` (the highest resting bid)
    or a sell limit at `sell_below` (the lowest ask) may fill, or a long / short position may reach
    its liquidation price; None when none can."""
    if start >= stop:
        return None
    bid = None if buy_above is None else buy_above * (1 + SLACK)
    ask = None if sell_below is None else sell_below * (1 - SLACK)
    liq_long = None if long_liquidation is None else long_liquidation * (1 + SLACK)
    liq_short = None if short_liquidation is None else short_liquidation * (1 - SLACK)
    if bid is None and ask is None and liq_long is None and liq_short is None:
        return None
    low, high = series.columns.low, series.columns.high
    mark_low, mark_high = series.mark_low, series.mark_high
    if stop - start <= _SHORT:
        for k in range(start, stop):
            if (
                (bid is not None and low[k] < bid)
                or (ask is not None and high[k] > ask)
                or (liq_long is not None and mark_low[k] <= liq_long)
                or (liq_short is not None and mark_high[k] >= liq_short)
            ):
                return k
        return None
    window = slice(start, stop)
    hit = np.zeros(stop - start, dtype=bool)
    if bid is not None:
        hit |= low[window] < bid
    if ask is not None:
        hit |= high[window] > ask
    if liq_long is not None:
        hit |= mark_low[window] <= liq_long
    if liq_short is not None:
        hit |= mark_high[window] >= liq_short
    found = np.flatnonzero(hit)
    return start + int(found[0]) if found.size else None


@attrs.frozen
class TriggerLevels:
    """The nearest triggers of a symbol's conditional orders, per watched price and direction: a
    falling price meets the highest of those that trigger on a fall first, a rising one the lowest
    of those that trigger on a rise."""

    mark_falls_to: float | None = None
    mark_rises_to: float | None = None
    last_falls_to: float | None = None
    last_rises_to: float | None = None

    @property
    def empty(self) -> bool:
        return attrs.astuple(self) == (None, None, None, None)


def first_trigger(series: SymbolSeries, start: int, stop: int, levels: TriggerLevels) -> int | None:
    """The first index in [start, stop) whose range (mark candle or trade candle) may reach one of
    the trigger levels (touching is enough); None when none can."""
    if start >= stop or levels.empty:
        return None
    # (column, bound, whether the column must come down to the bound or rise to it)
    checks = [
        (column, level * (1 + SLACK) if falls else level * (1 - SLACK), falls)
        for column, level, falls in (
            (series.mark_low, levels.mark_falls_to, True),
            (series.mark_high, levels.mark_rises_to, False),
            (series.columns.low, levels.last_falls_to, True),
            (series.columns.high, levels.last_rises_to, False),
        )
        if level is not None
    ]
    if stop - start <= _SHORT:
        for k in range(start, stop):
            for column, bound, falls in checks:
                if (column[k] <= bound) if falls else (column[k] >= bound):
                    return k
        return None
    window = slice(start, stop)
    hit = np.zeros(stop - start, dtype=bool)
    for column, bound, falls in checks:
        hit |= (column[window] <= bound) if falls else (column[window] >= bound)
    found = np.flatnonzero(hit)
    return start + int(found[0]) if found.size else None


def mark_envelope(series: SymbolSeries, start: int, stop: int) -> tuple[float, float]:
    """The lowest and highest mark over candles [start - 1, stop]: every mark a position can be
    valued at while candles start..stop-1 trade lies inside it."""
    lo = max(start - 1, 0)
    hi = min(stop + 1, len(series))
    if lo >= hi:
        lo, hi = max(len(series) - 1, 0), len(series)
    if hi - lo <= _SHORT:
        # A live cycle asks for a candle or two, for every position: numpy's call overhead would
        # cost more than the comparison.
        return min(series.mark_low[lo:hi].tolist()), max(series.mark_high[lo:hi].tolist())
    return float(series.mark_low[lo:hi].min()), float(series.mark_high[lo:hi].max())
