"""Market series as columns: numpy arrays for scanning a year of minutes at once, and exact Decimals
on demand for the few candles that matter (a fill, a funding settlement, a strategy decision).

A value read from a CSV file is stored as the nearest IEEE double and comes back as a Decimal through
its shortest repr, which is the number as written for anything up to 15 significant digits (every
price and size an exchange publishes). Series built from Candle objects keep those objects and hand
them back unchanged.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import overload

import numpy as np
import numpy.typing as npt

from bot_v2.domain.market import Candle

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
FIELDS = ("open", "high", "low", "close", "volume")


def exact(value: float) -> Decimal:
    """The Decimal a CSV value was written as (see the module docstring)."""
    return Decimal(repr(float(value)))


class ExactMemo:
    """exact() over many values, with a memo: a market's prices sit on its tick, so a series repeats
    them all the time (one candle's open is mostly the last one's close), and the memo hands back
    the very Decimal exact() makes for that float, for a twentieth of the cost. Bounded: cleared when
    full. Zeros are not memoized: 0.0 == -0.0 as keys, not as reprs."""

    LIMIT = 1 << 16

    def __init__(self) -> None:
        self._memo: dict[float, Decimal] = {}

    def of(self, values: list[float]) -> list[Decimal]:
        memo = self._memo
        if len(memo) > self.LIMIT:
            memo.clear()
        out: list[Decimal] = []
        for v in values:
            d = memo.get(v)
            if d is None:
                d = Decimal(repr(v))
                if v:
                    memo[v] = d
            out.append(d)
        return out


class CandleColumns:
    """One symbol's candles, oldest first. `open_ms` holds each candle's open time."""

    def __init__(
        self,
        symbol: str,
        timeframe_ms: int,
        open_ms: npt.ArrayLike,
        open_: npt.ArrayLike,
        high: npt.ArrayLike,
        low: npt.ArrayLike,
        close: npt.ArrayLike,
        volume: npt.ArrayLike,
        candles: Sequence[Candle] | None = None,
    ) -> None:
        self.symbol = symbol
        self.timeframe_ms = timeframe_ms
        self.open_ms: IntArray = np.ascontiguousarray(open_ms, dtype=np.int64)
        self.close_ms: IntArray = self.open_ms + timeframe_ms
        self.open: FloatArray = np.ascontiguousarray(open_, dtype=np.float64)
        self.high: FloatArray = np.ascontiguousarray(high, dtype=np.float64)
        self.low: FloatArray = np.ascontiguousarray(low, dtype=np.float64)
        self.close: FloatArray = np.ascontiguousarray(close, dtype=np.float64)
        self.volume: FloatArray = np.ascontiguousarray(volume, dtype=np.float64)
        n = len(self.open_ms)
        if any(len(a) != n for a in (self.open, self.high, self.low, self.close, self.volume)):
            raise ValueError(f"{symbol}: candle columns differ in length")
        self._candles = list(candles) if candles is not None else None
        self._closes: list[int] | None = None
        self._opens: list[int] | None = None
        if self._candles is not None and len(self._candles) != n:
            raise ValueError(f"{symbol}: {len(self._candles)} candles for {n} rows")

    @classmethod
    def from_candles(
        cls, symbol: str, timeframe_ms: int, candles: Sequence[Candle]
    ) -> CandleColumns:
        rows = list(candles)
        return cls(
            symbol,
            timeframe_ms,
            [c.timestamp_ms for c in rows],
            [float(c.open) for c in rows],
            [float(c.high) for c in rows],
            [float(c.low) for c in rows],
            [float(c.close) for c in rows],
            [float(c.volume) for c in rows],
            candles=rows,
        )

    def __len__(self) -> int:
        return len(self.open_ms)

    def candles(self, start: int, stop: int, memo: ExactMemo | None = None) -> list[Candle]:
        """Candles [start, stop), each what candle(i) gives, built together (a fast backtest's probe
        feeds a strategy thousands in a row); `memo` carries repeated prices across calls."""
        if self._candles is not None:
            return self._candles[start:stop]
        of = (memo or ExactMemo()).of
        return [
            Candle(self.symbol, self.timeframe_ms, *row)
            for row in zip(
                self.open_ms[start:stop].tolist(),
                of(self.open[start:stop].tolist()),
                of(self.high[start:stop].tolist()),
                of(self.low[start:stop].tolist()),
                of(self.close[start:stop].tolist()),
                of(self.volume[start:stop].tolist()),
                strict=True,
            )
        ]

    def candle(self, i: int) -> Candle:
        if self._candles is not None:
            return self._candles[i]
        # .item() hands out a Python number directly, cheaper than a numpy scalar (a replay builds
        # one candle per cycle); the open time comes from the list of close times kept anyway.
        return Candle(
            self.symbol,
            self.timeframe_ms,
            self._close_list()[i] - self.timeframe_ms,
            exact(self.open.item(i)),
            exact(self.high.item(i)),
            exact(self.low.item(i)),
            exact(self.close.item(i)),
            exact(self.volume.item(i)),
        )

    def price(self, field: str, i: int) -> Decimal:
        """One exact value: field is open, high, low, close or volume."""
        if self._candles is not None:
            value: Decimal = getattr(self._candles[i], field)
            return value
        column: FloatArray = getattr(self, field)
        return exact(column[i])

    def index_closed_by(self, ts_ms: int) -> int:
        """How many candles have closed by `ts_ms` (the index of the first that has not)."""
        # One number at a time, bisect on a list beats numpy's call overhead several times over.
        return bisect.bisect_right(self._close_list(), ts_ms)

    def index_opening_at_or_after(self, ts_ms: int) -> int:
        return bisect.bisect_left(self._open_list(), ts_ms)

    def close_at(self, i: int) -> int:
        return self._close_list()[i]

    def _close_list(self) -> list[int]:
        if self._closes is None:
            self._closes = self.close_ms.tolist()
        return self._closes

    def _open_list(self) -> list[int]:
        if self._opens is None:
            self._opens = self.open_ms.tolist()
        return self._opens

    def window(self, start: int, stop: int) -> CandleColumns:
        """Candles [start, stop) as their own columns (a backtest's date range)."""
        return CandleColumns(
            self.symbol,
            self.timeframe_ms,
            self.open_ms[start:stop],
            self.open[start:stop],
            self.high[start:stop],
            self.low[start:stop],
            self.close[start:stop],
            self.volume[start:stop],
            candles=self._candles[start:stop] if self._candles is not None else None,
        )

    def sequence(self) -> CandleSequence:
        return CandleSequence(self)


class CandleSequence(Sequence[Candle]):
    """The columns as a read-only sequence of Candle values, built on access."""

    def __init__(self, columns: CandleColumns) -> None:
        self._columns = columns

    def __len__(self) -> int:
        return len(self._columns)

    @overload
    def __getitem__(self, index: int) -> Candle: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Candle]: ...

    def __getitem__(self, index: int | slice) -> Candle | Sequence[Candle]:
        if isinstance(index, slice):
            return [self._columns.candle(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._columns.candle(index)

    def __iter__(self) -> Iterator[Candle]:
        for i in range(len(self)):
            yield self._columns.candle(i)


class MarkColumns:
    """Mark-price candles (open time, open, high, low, close), oldest first. Read from a file, they
    keep its path and each row's line, so a check against the candles can name both."""

    def __init__(
        self,
        open_ms: npt.ArrayLike,
        open_: npt.ArrayLike,
        high: npt.ArrayLike,
        low: npt.ArrayLike,
        close: npt.ArrayLike,
        lines: npt.ArrayLike | None = None,
        source: Path | None = None,
    ) -> None:
        self.source = source
        self.lines: IntArray | None = None if lines is None else np.asarray(lines, dtype=np.int64)
        self.open_ms: IntArray = np.ascontiguousarray(open_ms, dtype=np.int64)
        self.open: FloatArray = np.ascontiguousarray(open_, dtype=np.float64)
        self.high: FloatArray = np.ascontiguousarray(high, dtype=np.float64)
        self.low: FloatArray = np.ascontiguousarray(low, dtype=np.float64)
        self.close: FloatArray = np.ascontiguousarray(close, dtype=np.float64)

    def __len__(self) -> int:
        return len(self.open_ms)

    def where(self, i: int) -> str:
        """`file:line` of row i, for a message."""
        line = int(self.lines[i]) if self.lines is not None else i + 2
        return f"{self.source or 'marks'}:{line}"

    @classmethod
    def empty(cls) -> MarkColumns:
        return cls([], [], [], [], [])
