"""`perps-bot backtest`: run a strategy over recorded candles on the simulated exchange, with the
same cycle, risk checks and accounting as live, and report.

    perps-bot backtest --data candles.csv [--funding funding.csv] [--mark mark.csv] \\
        --symbol BTC/USDT:USDT --strategy baseline [--set strategy.params.short_window=10 ...] \\
        [--from 2024-01-01 --to 2024-06-30] [--profile dev] [--report-dir DIR] [--mode step]

Several --data/--symbol pairs make a multi-symbol run; --funding and --mark, when given, pair with
the symbols in the same order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tqdm import tqdm

from bot_v2.adapters.replay.layout import find_series
from bot_v2.cli.errors import EXIT_USAGE, report
from bot_v2.cli.options import add_config_options
from bot_v2.domain.errors import BotError, ConfigError, InvalidSymbol
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.orchestration.backtest.data import SymbolFiles, describe_gap, load_data
from bot_v2.orchestration.backtest.engine import MODES, run_backtest
from bot_v2.orchestration.backtest.page.render import report_page
from bot_v2.orchestration.backtest.report import (
    format_summary,
    report_title,
    summary_rows,
    write_report,
)
from bot_v2.orchestration.backtest.results import measure
from bot_v2.orchestration.config import load_config


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perps-bot backtest",
        description="Backtest a strategy on recorded candles with the live bot's own code.",
    )
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="CSV|DIR",
        required=True,
        help="candles: timestamp_ms,open,high,low,close,volume (repeatable); or a directory "
        "written by `perps-bot data download`, whose candle, mark and funding files of the "
        "--symbol are used",
    )
    parser.add_argument(
        "--symbol",
        action="append",
        default=[],
        metavar="SYMBOL",
        required=True,
        help="symbol of the --data at the same position, e.g. BTC/USDT:USDT",
    )
    parser.add_argument(
        "--funding",
        action="append",
        default=[],
        metavar="CSV",
        help="funding rates: timestamp_ms,funding_rate (one per symbol)",
    )
    parser.add_argument(
        "--mark",
        action="append",
        default=[],
        metavar="CSV",
        help="mark prices: timestamp_ms,open,high,low,close (one per symbol)",
    )
    parser.add_argument(
        "--timeframe",
        default=None,
        help="with a download directory holding several timeframes: which one (e.g. 1h)",
    )
    parser.add_argument("--strategy", default=None, help="strategy name (default: the profile's)")
    parser.add_argument(
        "--strategy-file",
        default=None,
        metavar="PATH",
        help="a Python file defining the strategy --strategy names (docs/strategies.md)",
    )
    parser.add_argument(
        "--from",
        dest="start",
        default=None,
        metavar="DATE",
        help="first day (UTC), YYYY-MM-DD or YYYY-MM-DDTHH:MM",
    )
    parser.add_argument(
        "--to",
        dest="end",
        default=None,
        metavar="DATE",
        help="last day (UTC, included), YYYY-MM-DD or YYYY-MM-DDTHH:MM (excluded)",
    )
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="fast",
        help="fast (default) skips candles where nothing can happen; step runs "
        "every candle through the live cycle. Both give the same fills.",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=None,
        help="write trades.csv, equity.csv, fills.csv, summary.json, report.html",
    )
    add_config_options(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _when(text: str | None, flag: str, end: bool) -> int | None:
    if text is None:
        return None
    for form, step in (("%Y-%m-%d", timedelta(days=1)), ("%Y-%m-%dT%H:%M", timedelta(0))):
        try:
            moment = datetime.strptime(text, form).replace(tzinfo=UTC)
        except ValueError:
            continue
        # --to 2024-06-30 includes that whole day.
        return int(((moment + step) if end else moment).timestamp() * 1000)
    raise ConfigError([f"{flag}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, got {text!r}"])


def _files(args: argparse.Namespace) -> list[SymbolFiles]:
    problems = []
    if len(args.symbol) != len(args.data):
        problems.append(
            f"--symbol: {len(args.symbol)} given for {len(args.data)} --data; give one per --data"
        )
    for flag, values in (("--funding", args.funding), ("--mark", args.mark)):
        if values and len(values) != len(args.data):
            problems.append(
                f"{flag}: {len(values)} given for {len(args.data)} --data; give one "
                "per --data, in the same order, or none"
            )
    symbols = []
    for text in args.symbol:
        try:
            symbols.append(normalize_symbol(text))
        except InvalidSymbol as exc:
            problems.append(f"--symbol: {exc}")
    if len(set(symbols)) != len(symbols):
        problems.append("--symbol: each symbol may appear once")
    if problems:
        raise ConfigError(problems)
    return [
        _symbol_files(
            symbol,
            data,
            args.funding[i] if args.funding else None,
            args.mark[i] if args.mark else None,
            args.timeframe,
        )
        for i, (symbol, data) in enumerate(zip(symbols, args.data, strict=True))
    ]


def _symbol_files(
    symbol: str, data: str, funding: str | None, mark: str | None, timeframe: str | None
) -> SymbolFiles:
    """A candle file as given, or the symbol's files in a download directory (an explicit
    --funding or --mark still wins)."""
    if not Path(data).is_dir():
        return SymbolFiles(symbol, data, funding, mark)
    candles, found_mark, found_funding = find_series(Path(data), symbol, timeframe)
    return SymbolFiles(
        symbol,
        str(candles),
        funding or (str(found_funding) if found_funding else None),
        mark or (str(found_mark) if found_mark else None),
    )


def _run(args: argparse.Namespace) -> int:
    files = _files(args)
    start_ms, end_ms = _when(args.start, "--from", False), _when(args.end, "--to", True)
    data = load_data(files, start_ms, end_ms)
    symbols = ",".join(f'"{f.symbol}"' for f in files)
    overrides = [f"bot.symbols=[{symbols}]", f'bot.timeframe="{data.timeframe}"']
    if args.strategy is not None:
        overrides.append(f"strategy.name={json.dumps(args.strategy)}")
    if args.strategy_file is not None:
        overrides.append(f"strategy.file={json.dumps(args.strategy_file)}")
    loaded = load_config(args.profile, args.config, os.environ, [*overrides, *args.overrides])
    for gap in data.gaps:
        print(f"data gap: {describe_gap(gap)}", file=sys.stderr)
    cycles = len(data.feed.timeline)
    bar = tqdm(
        total=cycles,
        unit="cycle",
        unit_scale=True,
        disable=args.no_progress,
        file=sys.stderr,
        mininterval=0.25,
        leave=False,
    )
    try:
        run = asyncio.run(run_backtest(loaded.config, data.feed, args.mode, bar.update))
    finally:
        bar.close()
    metrics, curve, trades = measure(run, data.timeframe)
    print(format_summary(metrics))
    if args.report_dir is not None:
        page = report_page(
            run, report_title(metrics), summary_rows(metrics), metrics, curve, trades
        )
        fills = run.broker.exchange.state.fills
        written = write_report(args.report_dir, metrics, curve, trades, fills, data.gaps, page)
        print(f"report: {', '.join(str(p) for p in written)}")
    return 0


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return _run(args)
    except BotError as exc:
        return report(exc)
    except KeyboardInterrupt:
        return EXIT_USAGE + 128
