"""The bundled real Binance data the loopback venues serve: market rules, leverage brackets, candles,
funding history. Read once per process; every server gets its own copies."""

from __future__ import annotations

import csv
import functools
import json
from decimal import Decimal
from importlib import resources
from typing import Any

_DATA = "resources/data"
EXCHANGE_INFO = "metadata/binance_usdm_exchangeInfo_20220219_BTCUSDT_ETHUSDT.json"
LEVERAGE_TIERS = "metadata/binance_usdm_leverage_tiers_ccxt_20241024_BTC_ETH_XRP.json"

# venue symbol -> {interval: bundled csv}; other intervals are served from the nearest of these.
CANDLES = {
    "BTCUSDT": {
        "1m": "binance_usdm/1m/BTCUSDT-1m-20250505-20250511.csv",
        "1h": "binance_usdm/1h/BTCUSDT-1h-2024.csv",
    },
    "ETHUSDT": {"1h": "binance_usdm/1h/ETHUSDT-1h-2024.csv"},
}
FUNDING = {
    "BTCUSDT": "binance_usdm/funding/BTCUSDT-funding-upto-2024.csv",
    "ETHUSDT": "binance_usdm/funding/ETHUSDT-funding-upto-2024.csv",
}


def _read(relative: str) -> str:
    return (resources.files("bot_v2") / _DATA / relative).read_text(encoding="utf-8")


@functools.cache
def _exchange_info_text() -> str:
    return _read(EXCHANGE_INFO)


def exchange_info() -> dict[str, Any]:
    """A fresh copy of the real 2022 `GET /fapi/v1/exchangeInfo` response (BTCUSDT, ETHUSDT and two
    quarterly contracts)."""
    result: dict[str, Any] = json.loads(_exchange_info_text())
    return result


@functools.cache
def _tiers_text() -> str:
    return _read(LEVERAGE_TIERS)


def leverage_brackets() -> dict[str, list[dict[str, str]]]:
    """Raw Binance brackets per venue symbol (`BTCUSDT` -> [{bracket, initialLeverage, notionalCap,
    notionalFloor, maintMarginRatio, cum}])."""
    tiers = json.loads(_tiers_text())
    return {
        unified.split("/")[0] + unified.split("/")[1].split(":")[0]: [t["info"] for t in rows]
        for unified, rows in tiers.items()
    }


@functools.cache
def candles(symbol: str, interval: str) -> tuple[tuple[int, str, str, str, str, str], ...]:
    """(open time ms, open, high, low, close, volume) rows, oldest first; empty when not bundled."""
    relative = CANDLES.get(symbol, {}).get(interval)
    if relative is None:
        return ()
    rows = csv.reader(_read(relative).splitlines()[1:])
    return tuple((int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows)


@functools.cache
def funding_history(symbol: str) -> tuple[tuple[int, str], ...]:
    """(settlement time ms, rate) rows, oldest first."""
    relative = FUNDING.get(symbol)
    if relative is None:
        return ()
    rows = csv.reader(_read(relative).splitlines()[1:])
    return tuple((int(r[0]), r[1]) for r in rows)


def last_close(symbol: str) -> Decimal:
    """The newest bundled close: the seed of the price table."""
    for interval in ("1m", "1h"):
        rows = candles(symbol, interval)
        if rows:
            return Decimal(rows[-1][4])
    raise KeyError(symbol)
