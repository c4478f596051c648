"""RegimeDetector: what kind of market the last candles were, for any strategy to filter on.

On each candle (high, low, close):
- realized volatility is the standard deviation of the last `vol_window` log returns; its
  percentile rank among the last `rank_window` such readings at or above `turbulent_pct` is
  TURBULENT (it wins over the rest);
- else ADX(`adx_window`) at or above `trend_adx` is TREND, below it RANGE.
The reading also carries the trend's direction (+DI against -DI), the ADX and the volatility rank.
A strategy holds one detector per symbol and feeds it every candle, e.g. to enter only in RANGE.
"""

from __future__ import annotations

import enum
import math

import attrs

from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.indicators import (
    DirectionalIndex,
    PercentileRank,
    RollingVariance,
)


class Regime(enum.Enum):
    TREND = "trend"
    RANGE = "range"
    TURBULENT = "turbulent"


@attrs.frozen
class RegimeReading:
    regime: Regime
    # BUY when +DI is above -DI, SELL when below, None when equal.
    direction: Side | None
    adx: float
    vol_rank: float


class RegimeDetector:
    def __init__(
        self,
        *,
        adx_window: int = 14,
        trend_adx: float = 25.0,
        vol_window: int = 24,
        rank_window: int = 720,
        turbulent_pct: float = 0.9,
    ) -> None:
        self._adx = DirectionalIndex(adx_window)
        self._vol = RollingVariance(vol_window)
        self._rank = PercentileRank(rank_window)
        self._trend = float(trend_adx)
        self._turbulent = float(turbulent_pct)
        self._previous: float | None = None
        self._warmup = max(2 * adx_window, vol_window + rank_window)
        self._value: RegimeReading | None = None

    def warmup_candles(self) -> int:
        """Candles before the first reading."""
        return self._warmup

    def update(self, high: float, low: float, close: float) -> RegimeReading | None:
        c = float(close)
        direction = self._adx.update(high, low, c)
        previous, self._previous = self._previous, c
        rank = None
        if previous is not None and previous > 0 and c > 0:
            variance = self._vol.update(math.log(c / previous))
            if variance is not None:
                rank = self._rank.update(math.sqrt(variance))
        if direction is None or rank is None:
            return None
        if rank >= self._turbulent:
            regime = Regime.TURBULENT
        elif direction.adx >= self._trend:
            regime = Regime.TREND
        else:
            regime = Regime.RANGE
        plus, minus = direction.plus_di, direction.minus_di
        side = Side.BUY if plus > minus else Side.SELL if minus > plus else None
        self._value = RegimeReading(regime, side, direction.adx, rank)
        return self._value

    @property
    def value(self) -> RegimeReading | None:
        return self._value
