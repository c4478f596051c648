"""`perps-bot data download`: a venue's public candles, mark-price candles and funding rates into
the files `perps-bot backtest --data DIR --symbol SYM` reads. No keys are used.

    perps-bot data download --exchange binanceusdm --symbols BTC/USDT:USDT,ETH/USDT:USDT \\
        --timeframe 1m --from 2025-01-01 [--to 2025-06-30] [--kinds candles,mark,funding] \\
        [--out var/data] [--config FILE] [--no-progress]

Running it again fetches only what is missing (docs/data.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from tqdm import tqdm

from bot_v2.cli.errors import run_reporting
from bot_v2.cli.options import add_config_options
from bot_v2.cli.options import when as _when
from bot_v2.domain.errors import ConfigError, InvalidSymbol
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.features.market_data.download.plan import describe_gap
from bot_v2.features.market_data.download.service import DownloadReport, DownloadRequest
from bot_v2.features.market_data.timeframes import timeframe_to_ms
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.download import download_service
from bot_v2.ports.market_data import SERIES_KINDS, SeriesKind


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perps-bot data", description="Market data for backtests, from the venues."
    )
    sub = parser.add_subparsers(dest="data_command", required=True)
    p = sub.add_parser(
        "download",
        help="fetch candles, mark candles and funding rates (public, no keys)",
        description="Fetch a venue's public history into the files `perps-bot backtest` reads.",
    )
    p.add_argument(
        "--exchange", default=None, help="ccxt id (default: the config's broker.exchange)"
    )
    p.add_argument(
        "--symbols", required=True, help="comma-separated, e.g. BTC/USDT:USDT,ETH/USDT:USDT"
    )
    p.add_argument("--timeframe", default="1m", help="candle timeframe (default: 1m)")
    p.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day (UTC)")
    p.add_argument(
        "--to", dest="end", default=None, metavar="DATE",
        help="last day (UTC, included; default: up to the last closed candle)",
    )  # fmt: skip
    p.add_argument(
        "--kinds", default=",".join(SERIES_KINDS),
        help=f"comma-separated subset of {','.join(SERIES_KINDS)} (default: all)",
    )  # fmt: skip
    p.add_argument("--out", type=Path, default=Path("var/data"), help="default: var/data")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_config_options(p)
    return parser


def _request(args: argparse.Namespace) -> DownloadRequest:
    problems = []
    symbols = []
    for text in (s for s in args.symbols.split(",") if s.strip()):
        try:
            symbols.append(normalize_symbol(text))
        except InvalidSymbol as exc:
            problems.append(f"--symbols: {exc}")
    if not symbols and not problems:
        problems.append("--symbols: give at least one symbol")
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in SERIES_KINDS]
    if unknown or not kinds:
        problems.append(f"--kinds: expected some of {','.join(SERIES_KINDS)}, got {args.kinds!r}")
    try:
        timeframe_to_ms(args.timeframe)
    except ValueError as exc:
        problems.append(f"--timeframe: {exc}")
    start, end = _when(args.start, "--from", False), _when(args.end, "--to", True)
    assert start is not None  # --from is required
    if end is not None and start >= end:
        problems.append(f"--from: {args.start} is after --to {args.end}")
    if problems:
        raise ConfigError(problems)
    ordered = tuple(cast(SeriesKind, k) for k in SERIES_KINDS if k in kinds)
    return DownloadRequest(tuple(dict.fromkeys(symbols)), args.timeframe, start, end, ordered)


def _print(report_: DownloadReport) -> None:
    for r in report_.results:
        print(
            f"{r.symbol} {r.kind}: {r.summary.rows} rows ({r.fetched} new in {r.pages} "
            f"request(s)) -> {r.summary.path}"
        )
    for gap in report_.gaps:
        print(f"data gap: {describe_gap(gap)}", file=sys.stderr)
    print(f"markets: {report_.markets_path}")
    print(f"manifest: {report_.manifest_path}")


def _download(args: argparse.Namespace) -> int:
    request = _request(args)
    loaded = load_config(args.profile, args.config, os.environ, args.overrides)
    exchange = args.exchange or loaded.config.broker.exchange
    bar = tqdm(
        total=0, unit="page", disable=args.no_progress, file=sys.stderr, mininterval=0.25,
        leave=False, desc=exchange,
    )  # fmt: skip

    def total(n: int) -> None:
        bar.total = n
        bar.refresh()

    try:
        service = download_service(
            loaded.config, exchange, args.out, on_total=total, on_page=bar.update
        )
        result = asyncio.run(service.run(request))
    finally:
        bar.close()
    _print(result)
    return 0


def main(argv: Sequence[str]) -> int:
    return run_reporting(build_parser().parse_args(list(argv)), _download)
