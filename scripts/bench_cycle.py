"""Cycle time of the dev runtime (sim broker, replay clock, SQLite state) with 10, 100 and 1000
symbols of synthetic candles. Prints median and p99 per size. Target: 1000 symbols < 100 ms.

    .venv/bin/python scripts/bench_cycle.py [--cycles 300] [--sizes 10,100,1000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
from decimal import Decimal
from pathlib import Path

import attrs
from dependency_injector import providers

from bot_v2.adapters.replay.columns import CandleColumns
from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration.builders import PerpsBotBuilder, make_container
from bot_v2.orchestration.config.models import BotConfig, MarketRules, Secrets

H = 3_600_000
SYNTHETIC_RULES = MarketRules(
    tick_size=Decimal("0.0001"),
    step_size=Decimal("0.001"),
    min_size=Decimal("0.001"),
    min_notional=Decimal(5),
    max_leverage=Decimal(20),
)
START = 1_704_067_200_000


def synthetic_feed(n_symbols: int, n_candles: int, seed: int = 1) -> ReplayFeed:
    """Random walks on a 0.0001 tick, as columns of numbers like the CSV reader gives the dev
    runtime (Candle objects are built as the replay hands the candles out, not kept for the run)."""
    rng = random.Random(seed)
    series = {}
    for i in range(n_symbols):
        symbol = f"S{i:04d}/USDT:USDT"
        price = 100.0
        rows = []
        for _ in range(n_candles):
            close = max(1.0, price * (1 + rng.gauss(0, 0.01)))
            hi, lo = max(price, close) * 1.002, min(price, close) * 0.998
            rows.append((round(price, 4), round(hi, 4), round(lo, 4), round(close, 4)))
            price = close
        opens, highs, lows, closes = zip(*rows, strict=True)
        times = [START + k * H for k in range(n_candles)]
        columns = CandleColumns(symbol, H, times, opens, highs, lows, closes, [1000.0] * n_candles)
        series[symbol] = SymbolSeries(symbol, columns)
    return ReplayFeed(series, H)


def run(n_symbols: int, cycles: int, warmup: int) -> list[float]:
    feed = synthetic_feed(n_symbols, cycles + warmup)
    base = BotConfig()
    config = attrs.evolve(
        base,
        bot=attrs.evolve(base.bot, id="bench", symbols=tuple(feed.series)),
        risk=attrs.evolve(
            base.risk,
            max_total_notional=Decimal(10**9),
            max_leverage=Decimal(1000),
        ),
        strategy=attrs.evolve(base.strategy, position_fraction=Decimal("0.001")),
        monitoring=attrs.evolve(base.monitoring, http_port=0, status_interval_s=Decimal(3600)),
        # Synthetic symbols have no exchange rules anywhere: give them, as a user would.
        markets={symbol: SYNTHETIC_RULES for symbol in feed.series},
    )
    durations: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        container = make_container(config, Secrets(), Path(tmp))
        container.replay_feed.override(providers.Object(feed))

        def observe(report: CycleReport) -> None:
            durations.append(report.duration_s)

        bot = PerpsBotBuilder(container, write=lambda _line: None, observers=[observe]).build()
        asyncio.run(bot.run(cycles + warmup))
    return durations[warmup:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=60)
    parser.add_argument("--sizes", default="10,100,1000")
    args = parser.parse_args()
    print(f"{'symbols':>8} {'cycles':>7} {'median ms':>10} {'p99 ms':>8}  target")
    for n in (int(s) for s in args.sizes.split(",")):
        durations = sorted(run(n, args.cycles, args.warmup))
        median = statistics.median(durations) * 1000
        p99 = durations[min(len(durations) - 1, int(len(durations) * 0.99))] * 1000
        verdict = ("ok" if p99 < 100 else "MISSED") if n == 1000 else ""
        print(f"{n:>8} {len(durations):>7} {median:>10.2f} {p99:>8.2f}  {verdict}")


if __name__ == "__main__":
    main()
