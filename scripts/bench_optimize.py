"""`perps-bot optimize` speed: trials per minute with 1 and 2 Ray workers on this machine, Ray's
start-up and per-task overhead, the driver's own time per trial (Optuna's ask and tell), and from
those an estimate of the speed-up on N machines (docs/optimize.md explains the estimate).

The workload: the breakout strategy on the bundled ETH/USDT 1h candles of 2024, a space of two
parameters, two walk-forward folds of 120 days train / 30 days test (each trial: two fast
backtests of 120 days). Figures only, no thresholds.

    .venv/bin/python scripts/bench_optimize.py [--trials 16] [--cores-per-machine 2]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import optuna
import ray

from bot_v2.features.optimize.space import Dimension, Space
from bot_v2.features.optimize.windows import make_folds, parse_span
from bot_v2.orchestration.backtest.data import SymbolFiles, load_data
from bot_v2.orchestration.backtest.engine import run_backtest
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.optimize.objective_source import objectives_of
from bot_v2.orchestration.optimize.pool import RayPool
from bot_v2.orchestration.optimize.runner import search
from bot_v2.orchestration.optimize.study import distributions, pruner, sampler
from bot_v2.orchestration.optimize.window import cut, with_params

D = "bundled:binance_usdm"
FILES = [
    SymbolFiles(
        "ETH/USDT:USDT",
        f"{D}/1h/ETHUSDT-1h-2024.csv",
        f"{D}/funding/ETHUSDT-funding-upto-2024.csv",
        f"{D}/1h_mark/ETHUSDT-mark-1h-2024.csv",
    )
]
SPACE = Space((Dimension("channel", "int", 10, 100, 5), Dimension("atr_mult", "float", 1.0, 6.0)))
NOOP_TASKS = 200


def _noop() -> int:
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--cores-per-machine", type=int, default=2)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    data = load_data(FILES)
    sets = ['bot.symbols=["ETH/USDT:USDT"]', 'bot.timeframe="1h"', 'strategy.name="breakout"']
    config = load_config("dev", None, {}, sets).config
    series = next(iter(data.feed.series.values()))
    folds = make_folds(
        int(series.columns.open_ms[0]),
        int(series.closes_ms[-1]),
        2,
        parse_span("120d", "--train"),
        parse_span("30d", "--test"),
    )
    objectives = objectives_of(["sharpe"])

    # One trial's compute, in this process: its folds' backtests back to back.
    window = cut(data.feed, folds[0].train_start_ms, folds[0].train_end_ms)
    started = time.perf_counter()
    for _ in range(3):
        asyncio.run(run_backtest(with_params(config, {"channel": 30}), window, "fast"))
    per_window = (time.perf_counter() - started) / 3
    per_trial = per_window * len(folds)
    print(f"one trial in-process (2 folds x 120d of 1h): {per_trial * 1000:.0f} ms")

    # The driver's own time per trial: ask, a report per fold, tell, on an in-memory study.
    study = optuna.create_study(direction="maximize", sampler=sampler(1, 7, 0), pruner=pruner())
    dists = distributions(SPACE)
    started = time.perf_counter()
    for i in range(200):
        trial = study.ask(dists)
        for fold in range(len(folds)):
            trial.report(float(i % 7), fold)
        study.tell(trial, float(i % 11))
    driver = (time.perf_counter() - started) / 200
    print(f"driver per trial (Optuna TPE ask/report/tell, in memory): {driver * 1000:.1f} ms")

    rates: dict[int, float] = {}
    overhead = 0.0
    for jobs in (1, 2):
        started = time.perf_counter()
        ray.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False)
        ray.get(ray.remote(_noop).remote())
        startup = time.perf_counter() - started
        noop = ray.remote(_noop)
        started = time.perf_counter()
        ray.get([noop.remote() for _ in range(NOOP_TASKS)])
        per_task = (time.perf_counter() - started) / NOOP_TASKS * jobs
        ray.shutdown()
        pool = RayPool(jobs, None)
        pool.start(data.feed)
        study = optuna.create_study(direction="maximize", sampler=sampler(1, 7, 0), pruner=pruner())
        started = time.perf_counter()
        search(study, pool, config, SPACE, folds, objectives, args.trials)
        elapsed = time.perf_counter() - started
        pool.close()
        rates[jobs] = args.trials / elapsed * 60
        if jobs == 1:
            overhead = per_task
        print(
            f"{jobs} worker(s): Ray start-up {startup:.1f} s, per-task overhead "
            f"{per_task * 1000:.1f} ms, {rates[jobs]:.1f} trials/min ({args.trials} trials)"
        )
    print(f"speed-up 1 -> 2 workers on this machine: {rates[2] / rates[1]:.2f}x")

    # N machines of c cores: every core runs a trial at a time (its compute plus a task's
    # overhead per fold); the driver asks and tells every trial itself, one at a time.
    cores = args.cores_per_machine
    trial_on_ray = per_trial + overhead * len(folds)
    print(f"estimate with {cores} cores per machine (trial {trial_on_ray * 1000:.0f} ms on Ray):")
    for machines in (1, 2, 4, 8, 16, 64):
        workers = machines * cores
        by_workers = workers / trial_on_ray
        by_driver = 1 / driver if driver > 0 else float("inf")
        per_s = min(by_workers, by_driver)
        print(
            f"  {machines:>3} machine(s): {per_s * 60:8.0f} trials/min, speed-up "
            f"{per_s * trial_on_ray / cores:5.1f}x over one machine"
            + (" (driver-bound)" if by_driver < by_workers else "")
        )


if __name__ == "__main__":
    main()
