"""Where `perps-bot data download` puts a venue's files, and how `backtest --data DIR --symbol SYM`
finds them again:

    <out>/<exchange>/BTC_USDT_USDT-1m.csv         candles   timestamp_ms,open,high,low,close,volume
    <out>/<exchange>/BTC_USDT_USDT-1m-mark.csv    mark      timestamp_ms,open,high,low,close
    <out>/<exchange>/BTC_USDT_USDT-funding.csv    funding   timestamp_ms,funding_rate
    <out>/<exchange>/markets.json                 the venue's rules (read by the simulated exchange)
    <out>/<exchange>/manifest.json                what was asked, when, rows and sha256 per file
"""

from __future__ import annotations

from pathlib import Path

from bot_v2.adapters.replay.csv_files import CANDLE_HEADER, FUNDING_HEADER, MARK_HEADER
from bot_v2.domain.errors import ConfigError

MANIFEST_NAME = "manifest.json"
HEADERS = {"candles": CANDLE_HEADER, "mark": MARK_HEADER, "funding": FUNDING_HEADER}


def file_stem(symbol: str) -> str:
    """BTC/USDT:USDT -> BTC_USDT_USDT: the unified symbol, safe in a file name on every system."""
    return symbol.replace("/", "_").replace(":", "_")


def series_path(venue_dir: Path, symbol: str, kind: str, timeframe: str) -> Path:
    stem = file_stem(symbol)
    if kind == "funding":
        return venue_dir / f"{stem}-funding.csv"
    suffix = "-mark" if kind == "mark" else ""
    return venue_dir / f"{stem}-{timeframe}{suffix}.csv"


def candle_timeframes(venue_dir: Path, symbol: str) -> list[str]:
    """The timeframes of the symbol's candle files in a download directory."""
    prefix = file_stem(symbol) + "-"
    found = []
    for path in venue_dir.glob(f"{prefix}*.csv"):
        middle = path.stem[len(prefix) :]
        if middle != "funding" and not middle.endswith("-mark"):
            found.append(middle)
    return sorted(found)


def find_series(
    venue_dir: Path, symbol: str, timeframe: str | None
) -> tuple[Path, Path | None, Path | None]:
    """The candle file of `symbol` in a download directory, and its mark and funding files when
    present. Several timeframes need `timeframe` to choose; none found is a ConfigError."""
    if not venue_dir.is_dir():
        raise ConfigError([f"--data: {venue_dir} is not a directory"])
    offered = candle_timeframes(venue_dir, symbol)
    if timeframe is None and len(offered) == 1:
        timeframe = offered[0]
    if timeframe is None or timeframe not in offered:
        listed = ", ".join(offered) or "none"
        what = "choose one with --timeframe" if timeframe is None and offered else "download them"
        raise ConfigError(
            [
                f"--data: {venue_dir} has no {timeframe or ''} candles of {symbol} "
                f"(timeframes there: {listed}); {what} (perps-bot data download)".replace(
                    "no  ", "no "
                )
            ]
        )
    candles = series_path(venue_dir, symbol, "candles", timeframe)
    mark = series_path(venue_dir, symbol, "mark", timeframe)
    funding = series_path(venue_dir, symbol, "funding", timeframe)
    return candles, mark if mark.is_file() else None, funding if funding.is_file() else None
