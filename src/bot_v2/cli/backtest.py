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
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from bot_v2.cli.errors import run_reporting
from bot_v2.cli.options import (
    add_config_options,
    add_data_options,
    run_overrides,
    symbol_files,
    when,
)
from bot_v2.orchestration.backtest.data import describe_gap, load_data
from bot_v2.orchestration.backtest.engine import MODES, run_backtest
from bot_v2.orchestration.backtest.page.render import report_page
from bot_v2.orchestration.backtest.report import (
    format_summary,
    report_title,
    slot_rows,
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
    add_data_options(parser)
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


def _run(args: argparse.Namespace) -> int:
    files = symbol_files(args)
    start_ms, end_ms = when(args.start, "--from", False), when(args.end, "--to", True)
    data = load_data(files, start_ms, end_ms)
    overrides = run_overrides(args, files, data.timeframe)
    loaded = load_config(args.profile, args.config, os.environ, overrides)
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
        summary = summary_rows(metrics) + slot_rows(metrics)
        page = report_page(run, report_title(metrics), summary, metrics, curve, trades)
        fills = run.broker.exchange.state.fills
        written = write_report(args.report_dir, metrics, curve, trades, fills, data.gaps, page)
        print(f"report: {', '.join(str(p) for p in written)}")
    return 0


def main(argv: Sequence[str]) -> int:
    return run_reporting(build_parser().parse_args(list(argv)), _run)
