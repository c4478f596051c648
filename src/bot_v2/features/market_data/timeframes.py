"""Timeframe strings (ccxt style) to milliseconds."""

from __future__ import annotations

_UNIT_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def timeframe_to_ms(timeframe: str) -> int:
    text = timeframe.strip()
    unit = text[-1:]
    if unit not in _UNIT_MS or not text[:-1].isdigit() or int(text[:-1]) <= 0:
        raise ValueError(f"not a timeframe like 1m, 5m, 1h, 1d or 1w: {timeframe!r}")
    return int(text[:-1]) * _UNIT_MS[unit]
