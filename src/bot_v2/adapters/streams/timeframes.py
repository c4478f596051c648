"""Bot timeframes (`1m`, `1h` ...) to each venue's kline interval name."""

from __future__ import annotations

from bot_v2.features.streaming.errors import NoStreamAdapter

_UNIT_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}

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
    unit = timeframe[-1:]
    count = timeframe[:-1]
    if unit not in _UNIT_MS or not count.isdigit() or int(count) <= 0:
        raise NoStreamAdapter(f"streaming: timeframe {timeframe!r} is not <n>m, <n>h, <n>d or <n>w")
    return int(count) * _UNIT_MS[unit]


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
