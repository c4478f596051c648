"""Backtest speed: one year of one-minute candles (525,600, a seeded random walk) for one symbol,
the baseline strategy through the `perps-bot backtest` machinery in fast and in step mode, and the
same moving-average crossover in backtrader (no fees, no funding, market orders at the close).
Prints candles per second for each, the fast/backtrader ratio, and whether both traded alike.

Then every built-in strategy at its default params on the same walk (its first
`--library-candles`: a month by default; `--library-candles 525600` for the year), fast and step mode, and whether their fills agree.

Targets: fast >= 1,000,000 candles/s and >= 20x backtrader; step >= 100,000 candles/s; every
built-in strategy >= 100,000 candles/s in fast mode.

    .venv/bin/python scripts/bench_backtest.py [--candles 525600] [--windows 60/240,240/1440]
                                               [--skip-step] [--skip-backtrader]
                                               [--library-candles 43200] [--strategies a,b]
                                               [--library-only]

`probed` counts the candles a probed strategy (skip/probe.py) was fed ahead of the cycle, `re-fed`
those fed again from a snapshot because a fill changed the position at a candle the probe had passed.

Two workloads by default: SMA 60/240 (about 2,700 reversals a year on this walk) and 240/1440
(about 500). Fast mode's speed is set by how often the strategy acts, since every candle where
something can happen runs the full live cycle.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from decimal import Decimal

import backtrader as bt
import numpy as np

from bot_v2.adapters.replay.columns import CandleColumns
from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.domain.errors import ConfigError
from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.strategies.registry import STRATEGIES
from bot_v2.orchestration.backtest.engine import BacktestRun, run_backtest
from bot_v2.orchestration.backtest.synthetic import random_walk
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.config.models import BotConfig

SYMBOL = "BTC/USDT:USDT"
MINUTE = 60_000
SEED = 20240101
# backtrader's date numbers count days from 0001-01-01 (1970-01-01 is day 719163).
EPOCH_DAYS = 719_163


def bot_config(short: int, long: int, guarded: bool = False) -> BotConfig:
    """The crossover as backtrader runs it: no stop-loss and no drawdown halt (backtrader has
    neither), unless `guarded` keeps the dev profile's (a 4% venue-held stop, the halt)."""
    unguarded = ['strategy.exits.stop_loss="off"', "protections.max_drawdown_pct=0"]
    sets = [
        f'bot.symbols=["{SYMBOL}"]',
        'bot.timeframe="1m"',
        'strategy.name="baseline"',
        f"strategy.params.short_window={short}",
        f"strategy.params.long_window={long}",
        "strategy.params.confirmation_bars=0",
        "strategy.params.trailing_stop_pct=0",
        "strategy.params.allow_shorts=true",
        "strategy.leverage=1",
        "strategy.position_fraction=0.2",
        "broker.sim.taker_fee=0",
        "broker.sim.maker_fee=0",
        "broker.sim.spread_bps=0",
        "broker.sim.slippage=0",
        "risk.daily_loss_limit=1000000000",
        "risk.max_order_notional=1000000000",
        "risk.max_symbol_notional=1000000000",
        "risk.max_total_notional=1000000000",
        *([] if guarded else unguarded),
    ]
    return load_config("dev", None, {}, sets).config


def strategy_config(name: str) -> BotConfig:
    """A built-in at its default params with the crossover workload's venue and limits (no fees, no
    venue-held stop, no drawdown halt): what is measured is the strategy and the cycle."""
    baseline = bot_config(60, 240)
    sets = [
        f'bot.symbols=["{SYMBOL}"]',
        'bot.timeframe="1m"',
        f'strategy.name="{name}"',
        'strategy.exits.stop_loss="off"',
        "protections.max_drawdown_pct=0",
        "strategy.leverage=1",
        "strategy.position_fraction=0.2",
        "broker.sim.taker_fee=0",
        "broker.sim.maker_fee=0",
        "broker.sim.spread_bps=0",
        "broker.sim.slippage=0",
        "risk.daily_loss_limit=1000000000",
        "risk.max_order_notional=1000000000",
        "risk.max_symbol_notional=1000000000",
        "risk.max_total_notional=1000000000",
    ]
    config = load_config("dev", None, {}, sets).config
    assert config.broker == baseline.broker  # the same venue as the crossover workload
    return config


def library(columns: CandleColumns, names: list[str], skip_step: bool) -> None:
    n = len(columns)
    print(f"\nbuilt-in strategies, default params, on the first {n:,} candles of the walk")
    print(
        f"  {'strategy':<22}{'fast c/s':>12}{'step c/s':>12}{'cycles run':>13}{'fills':>8}"
        f"{'probed':>10}{'re-fed':>9}  same"
    )
    ours(random_walk(SYMBOL, 5_000, MINUTE, seed=SEED + 1), strategy_config("baseline"), "fast")
    for name in names:
        try:
            config = strategy_config(name)
        except ConfigError as problem:  # e.g. pairs: two symbols, not this one-symbol walk
            print(f"  {name:<22}not run: {problem.lines[0] if problem.lines else problem}")
            continue
        elapsed, fast = ours(columns, config, "fast")
        fills = fast.broker.exchange.state.fills
        step_rate, same = "-", "-"
        if not skip_step:
            step_elapsed, step = ours(columns, config, "step")
            step_rate = f"{n / step_elapsed:,.0f}"
            same = "yes" if step.broker.exchange.state.fills == fills else "NO"
        short = "" if n / elapsed >= 100_000 else "  (< 100k target)"
        probed, refed = fast.probed
        print(
            f"  {name:<22}{n / elapsed:>12,.0f}{step_rate:>12}"
            f"{fast.cycles_run:>13,}{len(fills):>8,}{probed:>10,}{refed:>9,}  {same}{short}"
        )


def ours(columns: CandleColumns, config: BotConfig, mode: str) -> tuple[float, BacktestRun]:
    feed = ReplayFeed({SYMBOL: SymbolSeries(SYMBOL, columns)}, MINUTE)
    started = time.perf_counter()
    run = asyncio.run(run_backtest(config, feed, mode))
    return time.perf_counter() - started, run


def flips_of(run: BacktestRun) -> list[tuple[int, int, Decimal]]:
    """(time, direction after, price) each time the position changed direction."""
    out: list[tuple[int, int, Decimal]] = []
    size = Decimal(0)
    for fill in run.broker.exchange.state.fills:
        size += fill.size if fill.side is Side.BUY else -fill.size
        direction = (size > 0) - (size < 0)
        if out and out[-1][0] == fill.timestamp_ms:
            out[-1] = (fill.timestamp_ms, direction, fill.price)
        else:
            out.append((fill.timestamp_ms, direction, fill.price))
    return out


class _ArrayData(bt.feed.DataBase):  # type: ignore[misc]
    """A backtrader feed over the same arrays (backtrader stamps a bar with its open time)."""

    def __init__(self, columns: CandleColumns) -> None:
        super().__init__()
        self._rows = list(
            zip(
                (EPOCH_DAYS + columns.open_ms / 86_400_000).tolist(),
                columns.open.tolist(),
                columns.high.tolist(),
                columns.low.tolist(),
                columns.close.tolist(),
                columns.volume.tolist(),
                strict=True,
            )
        )
        self._next = 0

    def start(self) -> None:
        super().start()
        self._next = 0

    def _load(self) -> bool:
        if self._next >= len(self._rows):
            return False
        dt, o, h, lo, c, v = self._rows[self._next]
        lines = self.lines
        lines.datetime[0] = dt
        lines.open[0], lines.high[0], lines.low[0], lines.close[0] = o, h, lo, c
        lines.volume[0] = v
        lines.openinterest[0] = 0.0
        self._next += 1
        return True


class _Crossover(bt.Strategy):  # type: ignore[misc]
    params = (("short", 60), ("long", 240), ("size", 1.0), ("log", None))

    def __init__(self) -> None:
        fast = bt.ind.SMA(self.data.close, period=self.p.short)
        slow = bt.ind.SMA(self.data.close, period=self.p.long)
        self.cross = bt.ind.CrossOver(fast, slow)

    def next(self) -> None:
        signal = self.cross[0]
        if signal == 0:
            return
        direction = 1 if signal > 0 else -1
        if (self.position.size > 0) - (self.position.size < 0) == direction:
            return
        self.order_target_size(target=direction * self.p.size)
        # Filled at this bar's close (cheat-on-close), i.e. at the candle's close time.
        close_ms = round((self.data.datetime[0] - EPOCH_DAYS) * 86_400_000) + MINUTE
        self.p.log.append((close_ms, direction, self.data.close[0]))


def backtrader_run(columns: CandleColumns, short: int, long: int) -> tuple[float, list[tuple]]:
    log: list[tuple[int, int, float]] = []
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(_ArrayData(columns))
    cerebro.addstrategy(_Crossover, short=short, long=long, size=1.0, log=log)
    cerebro.broker.setcash(1e12)
    cerebro.broker.setcommission(commission=0.0)
    cerebro.broker.set_coc(True)
    started = time.perf_counter()
    cerebro.run()
    return time.perf_counter() - started, log


def workload(columns: CandleColumns, short: int, long: int, args: argparse.Namespace) -> None:
    n = len(columns)
    config = bot_config(short, long)
    print(f"\nbaseline SMA {short}/{long} on {n:,} one-minute candles (seed {SEED})")
    # Imports, caches and first calls are paid once per process, not per backtest: warm up on a
    # small run, then keep the best of three fast runs (the machine may be busy).
    ours(random_walk(SYMBOL, 5_000, MINUTE, seed=SEED + 1), config, "fast")
    elapsed, fast = min((ours(columns, config, "fast") for _ in range(3)), key=lambda r: r[0])
    fast_rate = n / elapsed
    fills = fast.broker.exchange.state.fills
    print(
        f"  fast mode : {elapsed:7.2f}s  {fast_rate:>12,.0f} candles/s  (best of 3; "
        f"{fast.cycles_run:,} of {fast.cycles:,} cycles run, {len(fills):,} fills)"
    )
    elapsed, guarded = min(
        (ours(columns, bot_config(short, long, guarded=True), "fast") for _ in range(3)),
        key=lambda r: r[0],
    )
    print(
        f"  fast, dev protections on: {elapsed:7.2f}s  {n / elapsed:>12,.0f} candles/s  "
        f"({guarded.cycles_run:,} cycles run, {len(guarded.broker.exchange.state.fills):,} fills)"
    )
    if not args.skip_step:
        elapsed, step = ours(columns, config, "step")
        same = step.broker.exchange.state.fills == fills
        print(
            f"  step mode : {elapsed:7.2f}s  {n / elapsed:>12,.0f} candles/s  "
            f"(fills identical to fast mode: {'yes' if same else 'NO'})"
        )
    if not args.skip_backtrader:
        elapsed, log = backtrader_run(columns, short, long)
        bt_rate = n / elapsed
        print(f"  backtrader: {elapsed:7.2f}s  {bt_rate:>12,.0f} candles/s")
        print(f"  fast / backtrader: {fast_rate / bt_rate:.1f}x")
        mine = [(t, d, float(p)) for t, d, p in flips_of(fast)]
        theirs = [(t, d, float(np.round(p, 1))) for t, d, p in log]
        agree = sum(1 for a, b in zip(mine, theirs, strict=False) if a == b)
        verdict = "yes" if mine == theirs else f"NO ({agree} of {max(len(mine), len(theirs))})"
        print(f"  same trades as backtrader: {verdict} ({len(mine):,} direction changes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candles", type=int, default=525_600)
    parser.add_argument(
        "--windows",
        default="60/240,240/1440",
        help="short/long SMA windows per workload (default: a busy one and a calm one)",
    )
    parser.add_argument("--skip-step", action="store_true")
    parser.add_argument("--skip-backtrader", action="store_true")
    parser.add_argument("--library-candles", type=int, default=43_200)
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--library-only", action="store_true")
    args = parser.parse_args()
    columns = random_walk(SYMBOL, args.candles, MINUTE, seed=SEED)
    if not args.library_only:
        for pair in args.windows.split(","):
            short, long = (int(x) for x in pair.split("/"))
            workload(columns, short, long, args)
    month = columns.window(0, min(args.library_candles, args.candles))
    library(month, args.strategies.split(","), args.skip_step)


if __name__ == "__main__":
    main()
