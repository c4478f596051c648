"""Maker vs taker entries: the baseline strategy (dev profile) on the bundled Binance BTC 2024 1h
candles, funding and marks, once with market entries and once with each maker setting asked for.
Prints return, fees (maker and taker), fills, how many entries rested and how many fell back, and
whether fast and step mode gave the same fills. Figures, no thresholds.

    .venv/bin/python scripts/bench_maker_entries.py [--reprice 3600,7200] [--max-reprices 0,3]
"""

from __future__ import annotations

import argparse
import asyncio

from bot_v2.domain.orders import OrderType
from bot_v2.orchestration.backtest.data import SymbolFiles, load_data
from bot_v2.orchestration.backtest.engine import run_backtest
from bot_v2.orchestration.backtest.results import measure
from bot_v2.orchestration.config import load_config

BTC = "BTC/USDT:USDT"
D = "bundled:binance_usdm"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reprice", default="3600,7200", help="reprice_after_s values")
    parser.add_argument("--max-reprices", default="0,3", help="max_reprices values")
    args = parser.parse_args()
    data = load_data(
        [
            SymbolFiles(
                BTC,
                f"{D}/1h/BTCUSDT-1h-2024.csv",
                f"{D}/funding/BTCUSDT-funding-upto-2024.csv",
                f"{D}/1h_mark/BTCUSDT-mark-1h-2024.csv",
            )
        ]
    )
    runs: list[tuple[str, list[str]]] = [("taker", [])]
    for reprice in args.reprice.split(","):
        for count in args.max_reprices.split(","):
            for fallback in ("market", "cancel"):
                runs.append(
                    (
                        f"maker {reprice}s x{count} {fallback}",
                        [
                            'strategy.entry.kind="maker"',
                            f"strategy.entry.reprice_after_s={reprice}",
                            f"strategy.entry.max_reprices={count}",
                            f'strategy.entry.fallback="{fallback}"',
                        ],
                    )
                )
    print(
        f"{'entry':<28} {'return %':>9} {'fees':>9} {'maker':>8} {'taker':>8} "
        f"{'fills':>6} {'rested':>6} {'fb':>4} {'trades':>6}  fast==step"
    )
    for label, sets in runs:
        cfg = load_config(
            "dev", None, {}, [f'bot.symbols=["{BTC}"]', 'bot.timeframe="1h"', *sets]
        ).config
        step = asyncio.run(run_backtest(cfg, data.feed, "step"))
        fast = asyncio.run(run_backtest(cfg, data.feed, "fast"))
        m, _, _ = measure(fast, "1h")
        same = fast.broker.exchange.state.fills == step.broker.exchange.state.fills
        orders = fast.broker.exchange.state.orders.values()
        rested = sum(1 for o in orders if o.type is OrderType.LIMIT and o.post_only)
        fallbacks = sum(1 for o in orders if o.type is OrderType.MARKET and not o.reduce_only)
        fallbacks = fallbacks if sets else 0
        print(
            f"{label:<28} {m.return_pct:>9.2f} {m.fees:>9.2f} {m.maker_fees:>8.2f} "
            f"{m.taker_fees:>8.2f} {m.fills:>6} {rested:>6} {fallbacks:>4} {m.trades:>6}  {same}"
        )


if __name__ == "__main__":
    main()
