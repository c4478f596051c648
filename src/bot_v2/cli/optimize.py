"""`perps-bot optimize`: search a strategy's parameters with Optuna, every trial a fast-mode
backtest run as a Ray task, scored by walk-forward folds (docs/optimize.md).

    perps-bot optimize --strategy breakout --data var/data --symbol ETH/USDT:USDT \\
        --space space.toml --trials 300 --objective sharpe --walk-forward 6 --train 120d \\
        --test 30d --jobs 2 --seed 7 --report-dir var/optimize/breakout \\
        [--ray-address ray://host:10001] [--resume]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tomllib
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
from bot_v2.domain.errors import ConfigError
from bot_v2.features.live_trade.strategies.params import bounds_of
from bot_v2.features.optimize.space import Fault, Space, parse_space
from bot_v2.features.optimize.windows import SCHEMES, make_folds, parse_span
from bot_v2.orchestration.backtest.data import load_data
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.optimize.objective_source import objectives_of
from bot_v2.orchestration.optimize.pool import RayPool, check_reachable
from bot_v2.orchestration.optimize.report import format_table, write_report
from bot_v2.orchestration.optimize.runner import finish, search
from bot_v2.orchestration.optimize.study import StudyIdentity, open_study, storage_url
from bot_v2.orchestration.strategy_source import StrategyNotFound, find_strategy


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perps-bot optimize",
        description="Search a strategy's parameters with walk-forward validation, on Ray.",
    )
    add_data_options(parser)
    parser.add_argument("--space", type=Path, required=True, help="space.toml: the ranges searched")
    parser.add_argument("--trials", type=int, default=100, help="trials to run (default 100)")
    parser.add_argument(
        "--objective",
        action="append",
        default=[],
        metavar="NAME|FILE.py:FUNCTION",
        help="sharpe (default), sortino, calmar, profit, profit_dd or a function; several "
        "(repeated or comma-separated) search with NSGA-II",
    )
    parser.add_argument("--walk-forward", type=int, default=3, metavar="FOLDS", help="folds (3)")
    parser.add_argument("--train", required=True, metavar="SPAN", help="train window, e.g. 120d")
    parser.add_argument("--test", required=True, metavar="SPAN", help="test window, e.g. 30d")
    parser.add_argument("--scheme", choices=SCHEMES, default="rolling", help="rolling (default)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="trials at once: the local Ray instance's CPUs (default: this machine's); with "
        "--ray-address, the batch size (default: the cluster's CPUs)",
    )
    parser.add_argument("--seed", type=int, default=0, help="the sampler's seed (default 0)")
    parser.add_argument("--report-dir", type=Path, required=True, help="study.db and the report")
    parser.add_argument(
        "--ray-address", default=None, help="an existing Ray cluster (ray://host:10001)"
    )
    parser.add_argument("--resume", action="store_true", help="continue the study in --report-dir")
    parser.add_argument(
        "--storage",
        default=None,
        metavar="URL",
        help="an Optuna database URL shared by several machines (default: SQLite in --report-dir)",
    )
    add_config_options(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _fault_of(field: object) -> Fault | None:
    bounds = bounds_of(field)  # type: ignore[arg-type]
    return None if bounds is None else bounds.fault


def _space(path: Path, strategy: str, file: str) -> Space:
    try:
        cls = find_strategy(strategy, file)
    except StrategyNotFound as exc:
        raise ConfigError([str(exc)]) from exc
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"--space: {path}: {exc.strerror or exc}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"--space: {path}: {exc}"]) from exc
    return parse_space(raw, cls.params_type, _fault_of)


def _check_args(args: argparse.Namespace) -> None:
    problems = []
    if args.trials < 1:
        problems.append(f"--trials: must be >= 1, got {args.trials}")
    if args.jobs is not None and args.jobs < 1:
        problems.append(f"--jobs: must be >= 1, got {args.jobs}")
    if problems:
        raise ConfigError(problems)


def _check_installed() -> None:
    missing = [name for name in ("optuna", "ray") if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(
            [f"optimize needs {' and '.join(missing)}: pip install 'perps-bot[optimize]'"]
        )


def _run(args: argparse.Namespace) -> int:
    _check_args(args)
    _check_installed()
    files = symbol_files(args)
    start_ms, end_ms = when(args.start, "--from", False), when(args.end, "--to", True)
    data = load_data(files, start_ms, end_ms)
    overrides = run_overrides(args, files, data.timeframe)
    config = load_config(args.profile, args.config, os.environ, overrides).config
    space = _space(args.space, config.strategy.name, config.strategy.file)
    series = data.feed.series.values()
    first = min(int(s.columns.open_ms[0]) for s in series)
    last = max(int(s.closes_ms[-1]) for s in series)
    folds = make_folds(
        first,
        last,
        args.walk_forward,
        parse_span(args.train, "--train"),
        parse_span(args.test, "--test"),
        args.scheme,
    )
    objectives = objectives_of(args.objective)
    if args.ray_address:
        check_reachable(args.ray_address)
    identity = StudyIdentity(
        config.strategy.name, tuple(f.symbol for f in files), tuple(o.name for o in objectives)
    )
    args.report_dir.mkdir(parents=True, exist_ok=True)
    study = open_study(storage_url(args.report_dir, args.storage), identity, args.seed, args.resume)
    pool = RayPool(args.jobs, args.ray_address)
    bar = tqdm(
        total=args.trials, unit="trial", disable=args.no_progress, file=sys.stderr, leave=False
    )
    try:
        pool.start(data.feed)
        search(study, pool, config, space, folds, objectives, args.trials, bar.update)
        bar.close()
        outcome = finish(
            study, pool, config, folds, objectives, float(config.broker.sim.initial_balance)
        )
    finally:
        bar.close()
        pool.close()
    print(format_table(outcome, objectives))
    written = write_report(args.report_dir, outcome, config.strategy.name, objectives)
    print(f"report: {', '.join(str(p) for p in written)}")
    return 0


def main(argv: Sequence[str]) -> int:
    return run_reporting(build_parser().parse_args(list(argv)), _run)
