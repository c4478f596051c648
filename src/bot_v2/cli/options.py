"""Options every command that loads a configuration shares, and the recorded-data options of the
commands that replay candles (backtest, optimize)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot_v2.adapters.replay.layout import find_series
from bot_v2.domain.errors import ConfigError, InvalidSymbol
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.orchestration.backtest.data import SymbolFiles


def add_config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default="dev", help="dev | canary | prod (default: dev)")
    parser.add_argument(
        "--config", type=Path, default=None, help="TOML file layered on the profile"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one setting (repeatable); beats files and environment",
    )
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING (default)")


def add_data_options(parser: argparse.ArgumentParser) -> None:
    """--data/--symbol/--funding/--mark/--timeframe, --strategy/--strategy-file, --from/--to."""
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


def when(text: str | None, flag: str, end: bool) -> int | None:
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


def symbol_files(args: argparse.Namespace) -> list[SymbolFiles]:
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
        _one_symbol(
            symbol,
            data,
            args.funding[i] if args.funding else None,
            args.mark[i] if args.mark else None,
            args.timeframe,
        )
        for i, (symbol, data) in enumerate(zip(symbols, args.data, strict=True))
    ]


def run_overrides(args: argparse.Namespace, files: list[SymbolFiles], timeframe: str) -> list[str]:
    """The config lines a run on these files implies (its symbols, timeframe and the strategy the
    command line names), before the user's own --set lines."""
    symbols = ",".join(f'"{f.symbol}"' for f in files)
    overrides = [f"bot.symbols=[{symbols}]", f'bot.timeframe="{timeframe}"']
    if args.strategy is not None:
        overrides.append(f"strategy.name={json.dumps(args.strategy)}")
    if args.strategy_file is not None:
        overrides.append(f"strategy.file={json.dumps(args.strategy_file)}")
    return [*overrides, *args.overrides]


def _one_symbol(
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
