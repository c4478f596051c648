"""Bot timeframes (`1m`, `1h` ...) to each venue's kline interval name."""

from __future__ import annotations

from bot_v2.features.market_data.timeframes import timeframe_to_ms
from bot_v2.features.streaming.errors import NoStreamAdapter

BINANCE_INTERVALS = frozenset(
    {"1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w"}
)
BYBIT_INTERVALS = {
    "1m": "1",
    "3m": "3",
    "5m": "5",
    "15m": "15",
    "30m": "30",
    "1h": "60",
    "2h": "120",
    "4h": "240",
    "6h": "360",
    "12h": "720",
    "1d": "D",
    "1w": "W",
}


def timeframe_ms(timeframe: str) -> int:
    try:
        return timeframe_to_ms(timeframe)
    except ValueError:
        raise NoStreamAdapter(
            f"streaming: timeframe {timeframe!r} is not <n>m, <n>h, <n>d or <n>w"
        ) from None


def binance_interval(timeframe: str) -> str:
    if timeframe not in BINANCE_INTERVALS:
        raise NoStreamAdapter(
            f"streaming: binanceusdm has no kline stream for timeframe {timeframe!r}; "
            f"use one of {', '.join(sorted(BINANCE_INTERVALS, key=timeframe_ms))}"
        )
    return timeframe


def bybit_interval(timeframe: str) -> str:
    code = BYBIT_INTERVALS.get(timeframe)
    if code is None:
        raise NoStreamAdapter(
            f"streaming: bybit has no kline stream for timeframe {timeframe!r}; "
            f"use one of {', '.join(BYBIT_INTERVALS)}"
        )
    return code
