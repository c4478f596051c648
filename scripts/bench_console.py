"""The operator API under a running bot: API latency (p50, p99) with 1000 symbols, and the cycle's
duration with and without ten open console sessions (each polling status, positions and equity
twice a second over its own keep-alive connection). Target: API p99 < 50 ms, cycle time unchanged
within noise.

The bot is the dev runtime's default strategy on 1000 synthetic random walks, every position with
its venue-held stop: it opens positions from the first crossings on (about cycle 50) and holds
several hundred to about a thousand of them over the measured cycles, so each measured cycle also
runs the protection pass, reconciliation and the risk context over that many open positions (the
hard case of an operator with many symbols; bench_cycle.py measures the same run at 10 and 100
symbols too). The open positions at the first and last measured cycle are printed with the figures.

    .venv/bin/python scripts/bench_console.py [--symbols 1000] [--cycles 150]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import attrs
import httpx
from dependency_injector import providers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cycle import SYNTHETIC_RULES, synthetic_feed
from bot_v2.monitoring.reports import CycleReport
from bot_v2.orchestration.builders import PerpsBotBuilder, make_container
from bot_v2.orchestration.config.models import BotConfig, Secrets

TOKEN = "bench-operator-token"
READS = ("status", "positions", "equity?max_points=500", "events?limit=100", "fills?limit=100")


def _config(symbols: tuple[str, ...]) -> BotConfig:
    base = BotConfig()
    return attrs.evolve(
        base,
        bot=attrs.evolve(base.bot, id="bench", symbols=symbols),
        risk=attrs.evolve(base.risk, max_total_notional=Decimal(10**9), max_leverage=Decimal(1000)),
        strategy=attrs.evolve(base.strategy, position_fraction=Decimal("0.001")),
        monitoring=attrs.evolve(base.monitoring, http_port=0, status_interval_s=Decimal(3600)),
        markets=dict.fromkeys(symbols, SYNTHETIC_RULES),
    )


def _client_loop(url: str, stop: threading.Event, pause_s: float, latencies: list[float]) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        index = 0
        while not stop.is_set():
            path = READS[index % len(READS)]
            index += 1
            started = time.perf_counter()
            client.get(f"/api/v1/{path}").raise_for_status()
            latencies.append(time.perf_counter() - started)
            if pause_s:
                stop.wait(pause_s)


def run(
    n_symbols: int, cycles: int, warmup: int, sessions: int
) -> tuple[list[float], list[float], list[int]]:
    """(cycle durations after warm-up, the latencies every session saw, the open positions at
    each measured cycle)."""
    feed = synthetic_feed(n_symbols, cycles + warmup)
    durations: list[float] = []
    held: list[int] = []
    latencies: list[float] = []
    stop = threading.Event()
    with tempfile.TemporaryDirectory() as tmp:
        container = make_container(_config(tuple(feed.series)), Secrets(), Path(tmp))
        container.replay_feed.override(providers.Object(feed))
        container.environ.override(providers.Object({"PERPS_OPERATOR_TOKEN": TOKEN}))

        def observe(report: CycleReport) -> None:
            durations.append(report.duration_s)
            held.append(sum(1 for size in report.positions.values() if size))
            if report.cycle == warmup:
                url = (Path(tmp) / "http.addr").read_text().strip()
                for _ in range(sessions):
                    args = (url, stop, 0.5, latencies)
                    threading.Thread(target=_client_loop, args=args, daemon=True).start()

        bot = PerpsBotBuilder(container, write=lambda _line: None, observers=[observe]).build()
        try:
            asyncio.run(bot.run(cycles + warmup))
        finally:
            stop.set()
    return durations[warmup:], latencies, held[warmup:]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--symbols", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=150)
    parser.add_argument("--warmup", type=int, default=60)
    args = parser.parse_args()
    print(f"{args.symbols} symbols, {args.cycles} cycles measured after {args.warmup}", flush=True)
    # Each figure as soon as its run ends: a slow, shared machine still gets the first.
    cycles_alone, _, held = run(args.symbols, args.cycles, args.warmup, sessions=0)
    _print_cycles("no console", cycles_alone, held)
    cycles_watched, latencies, held = run(args.symbols, args.cycles, args.warmup, sessions=10)
    _print_cycles("10 sessions", cycles_watched, held)
    if not latencies:
        print("API: no request completed during the measured cycles (too few cycles)")
        return
    p99 = _pct(latencies, 0.99)
    print(
        f"API (10 sessions, {len(latencies)} requests of {', '.join(READS)}): "
        f"p50 {_pct(latencies, 0.5):.2f} ms  p99 {p99:.2f} ms  {'ok' if p99 < 50 else 'MISSED'}"
    )


def _print_cycles(label: str, durations: list[float], held: list[int]) -> None:
    print(
        f"cycle with {label:>11}: median {statistics.median(durations) * 1000:.2f} ms  "
        f"p99 {_pct(durations, 0.99):.2f} ms  "
        f"(open positions {held[0]} -> {held[-1]})",
        flush=True,
    )


if __name__ == "__main__":
    main()
