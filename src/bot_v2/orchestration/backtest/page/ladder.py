"""The resample ladder: a symbol's candles at a few coarser timeframes, so a year of minutes fits
in one page and the chart stays fast. The page shows the coarsest level whole and switches to a
finer one as the operator zooms in (page.js); the finest level kept has at most FINEST_BARS bars.

Each level's candle is the usual aggregate (first open, highest high, lowest low, last close) of
the base candles opening in its UTC-aligned bucket, and each indicator line takes its value at the
bucket's last base candle: what the strategy saw when that bucket closed."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

from bot_v2.features.live_trade.strategies.plots import Line

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MINUTE_MS = 60_000
# Candidate bucket sizes, finest first; a level is kept when it is a multiple of the base timeframe.
STEPS_MS = (
    MINUTE_MS,
    5 * MINUTE_MS,
    15 * MINUTE_MS,
    60 * MINUTE_MS,
    4 * 60 * MINUTE_MS,
    24 * 60 * MINUTE_MS,
    7 * 24 * 60 * MINUTE_MS,
)
# The finest level kept for the whole run: a year of 1m candles keeps 15m (35,040 bars) and up.
FINEST_BARS = 40_000
# ... and at most this many over all the page's symbols, so many symbols make coarser finest levels,
# not a page of tens of megabytes (two symbols still keep 15m for a year).
PAGE_BARS = 80_000
# Coarser levels stop once a level has this few bars: the whole run fits on screen.
OVERVIEW_BARS = 400


@attrs.frozen
class Level:
    step_ms: int
    open_ms: IntArray = attrs.field(eq=False)
    open: FloatArray = attrs.field(eq=False)
    high: FloatArray = attrs.field(eq=False)
    low: FloatArray = attrs.field(eq=False)
    close: FloatArray = attrs.field(eq=False)
    lines: tuple[FloatArray, ...] = attrs.field(eq=False)

    def __len__(self) -> int:
        return len(self.open_ms)


def label(step_ms: int) -> str:
    minutes = step_ms // MINUTE_MS
    if minutes % (7 * 1440) == 0:
        return f"{minutes // (7 * 1440)}w"
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def resample(
    step_ms: int,
    open_ms: IntArray,
    open_: FloatArray,
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    lines: Sequence[FloatArray] = (),
) -> Level:
    """The candles (and lines) of buckets of `step_ms`, UTC-aligned; only buckets with candles."""
    if len(open_ms) == 0:
        empty = np.zeros(0)
        return Level(step_ms, np.zeros(0, np.int64), empty, empty, empty, empty, ())
    bucket = open_ms // step_ms
    starts = np.flatnonzero(np.concatenate(([True], bucket[1:] != bucket[:-1])))
    ends = np.concatenate((starts[1:], [len(open_ms)])) - 1
    return Level(
        step_ms,
        bucket[starts] * step_ms,
        open_[starts],
        np.maximum.reduceat(high, starts),
        np.minimum.reduceat(low, starts),
        close[ends],
        tuple(np.asarray(line)[ends] for line in lines),
    )


def ladder(
    timeframe_ms: int,
    open_ms: IntArray,
    open_: FloatArray,
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    lines: Sequence[Line] = (),
    budget: int = FINEST_BARS,
) -> list[Level]:
    """The levels the page carries, finest first: the base timeframe itself when the run is short,
    else the finest bucket with at most `budget` bars, then coarser ones up to an overview."""
    values = [line.values for line in lines]
    base = Level(timeframe_ms, open_ms, open_, high, low, close, tuple(values))
    steps = [timeframe_ms] + [s for s in STEPS_MS if s > timeframe_ms and s % timeframe_ms == 0]
    levels: list[Level] = []
    for step in steps:
        level = base if step == timeframe_ms else resample(step, *_columns(base), values)
        if len(level) > budget and step != steps[-1]:
            continue
        if levels and len(level) == len(levels[-1]):
            continue  # no coarser than the one before (one bar per bucket already)
        levels.append(level)
        if len(level) <= OVERVIEW_BARS:
            break
    return levels


def finest_bars(symbols: int) -> int:
    """The finest level's budget per symbol when the page charts `symbols` symbols."""
    return max(OVERVIEW_BARS, min(FINEST_BARS, PAGE_BARS // max(symbols, 1)))


def _columns(level: Level) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    return level.open_ms, level.open, level.high, level.low, level.close
