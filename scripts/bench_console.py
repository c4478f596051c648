"""The operator API under a running bot: API latency (p50, p99) with 1000 symbols, and the cycle's
duration with and without ten open console sessions (each polling status, positions, equity,
events and fills in turn, one read every half second, over its own keep-alive connection).
Target: API p99 < 50 ms, cycle time unchanged within noise.

The bot is the dev runtime's default strategy on 1000 synthetic random walks, every position with
its venue-held stop: it opens positions from the first crossings on (about cycle 50) and holds
several hundred to about a thousand of them over the measured cycles, so each measured cycle also
runs the protection pass, reconciliation and the risk context over that many open positions (the
hard case of an operator with many symbols; bench_cycle.py measures the same run at 10 and 100
symbols too). The open positions at the first and last measured cycle are printed with the figures.

Two ways of running: flat out (the replay runs the next cycle at once, so the bot's interpreter is
never idle: the worst case for the API, which shares its lock) and paced (`--pace-ms` between
cycles, as a live bot waits for its next candle; a live bot on one-minute candles is far idler
still). The sessions run in a process of their own, as browsers do.

    .venv/bin/python scripts/bench_console.py [--symbols 1000] [--cycles 150] [--pace-ms 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

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


def _config(symbols: tuple[str, ...], pace_ms: int = 0) -> BotConfig:
    base = BotConfig()
    return attrs.evolve(
        base,
        replay=attrs.evolve(base.replay, pace_ms=Decimal(pace_ms)),
        bot=attrs.evolve(base.bot, id="bench", symbols=symbols),
        risk=attrs.evolve(base.risk, max_total_notional=Decimal(10**9), max_leverage=Decimal(1000)),
        strategy=attrs.evolve(base.strategy, position_fraction=Decimal("0.001")),
        monitoring=attrs.evolve(base.monitoring, http_port=0, status_interval_s=Decimal(3600)),
        markets=dict.fromkeys(symbols, SYNTHETIC_RULES),
    )


def _client_loop(url: str, stop: Any, pause_s: float, latencies: list[tuple[str, float]]) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        index = 0
        while not stop.is_set():
            path = READS[index % len(READS)]
            index += 1
            started = time.perf_counter()
            client.get(f"/api/v1/{path}").raise_for_status()
            latencies.append((path, time.perf_counter() - started))
            if pause_s:
                stop.wait(pause_s)


def _sessions(url: str, count: int, stop: Any, out: Any) -> None:
    """`count` console sessions in their own process, as browsers are: the clients' own Python
    must not compete with the bot for its interpreter lock, or the figures measure the bench."""
    latencies: list[tuple[str, float]] = []
    threads = [
        threading.Thread(target=_client_loop, args=(url, stop, 0.5, latencies))
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(latencies)


def run(
    n_symbols: int, cycles: int, warmup: int, sessions: int, pace_ms: int = 0
) -> tuple[list[float], list[tuple[str, float]], list[int]]:
    """(cycle durations after warm-up, the latencies every session saw, the open positions at
    each measured cycle). The sessions start after the warm-up and stop before the last cycle
    ends, while the server still answers."""
    feed = synthetic_feed(n_symbols, cycles + warmup)
    durations: list[float] = []
    held: list[int] = []
    spawn = multiprocessing.get_context("spawn")  # the bot's process has threads: never fork it
    stop, out = spawn.Event(), spawn.Queue()
    clients: list[Any] = []
    with tempfile.TemporaryDirectory() as tmp:
        container = make_container(_config(tuple(feed.series), pace_ms), Secrets(), Path(tmp))
        container.replay_feed.override(providers.Object(feed))
        container.environ.override(providers.Object({"PERPS_OPERATOR_TOKEN": TOKEN}))

        def observe(report: CycleReport) -> None:
            durations.append(report.duration_s)
            held.append(sum(1 for size in report.positions.values() if size))
            if len(durations) == warmup and sessions:
                url = (Path(tmp) / "http.addr").read_text().strip()
                clients.append(spawn.Process(target=_sessions, args=(url, sessions, stop, out)))
                clients[0].start()
            if len(durations) == cycles + warmup:
                stop.set()

        bot = PerpsBotBuilder(container, write=lambda _line: None, observers=[observe]).build()
        try:
            asyncio.run(bot.run(cycles + warmup))
        finally:
            stop.set()
        latencies = out.get(timeout=60) if clients else []
        for client in clients:
            client.join()
    return durations[warmup:], latencies, held[warmup:]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--symbols", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=150)
    parser.add_argument("--warmup", type=int, default=60)
    # A live bot waits for the next candle between cycles; 0 skips the paced run.
    parser.add_argument("--pace-ms", type=int, default=1000)
    parser.add_argument("--paced-cycles", type=int, default=60)
    args = parser.parse_args()
    print(f"{args.symbols} symbols, {args.cycles} cycles measured after {args.warmup}", flush=True)
    # Each figure as soon as its run ends: a slow, shared machine still gets the first.
    cycles_alone, _, held = run(args.symbols, args.cycles, args.warmup, sessions=0)
    _print_cycles("no console", cycles_alone, held)
    cycles_watched, latencies, held = run(args.symbols, args.cycles, args.warmup, sessions=10)
    _print_cycles("10 sessions", cycles_watched, held)
    _print_api("flat out", latencies)
    if args.pace_ms:
        _, latencies, _ = run(args.symbols, args.paced_cycles, args.warmup, 10, args.pace_ms)
        _print_api(f"paced, {args.pace_ms} ms between cycles", latencies)


def _print_api(label: str, latencies: list[tuple[str, float]]) -> None:
    if not latencies:
        print(f"API {label}: no request completed during the measured cycles (too few cycles)")
        return
    every = [seconds for _, seconds in latencies]
    p99 = _pct(every, 0.99)
    print(
        f"API {label} (10 sessions, {len(every)} requests): "
        f"p50 {_pct(every, 0.5):.2f} ms  p99 {p99:.2f} ms  {'ok' if p99 < 50 else 'MISSED'}",
        flush=True,
    )
    for read in READS:
        mine = [seconds for path, seconds in latencies if path == read]
        print(f"  {read:<24} p50 {_pct(mine, 0.5):7.2f} ms  p99 {_pct(mine, 0.99):7.2f} ms")


def _print_cycles(label: str, durations: list[float], held: list[int]) -> None:
    print(
        f"cycle with {label:>11}: median {statistics.median(durations) * 1000:.2f} ms  "
        f"p99 {_pct(durations, 0.99):.2f} ms  "
        f"(open positions {held[0]} -> {held[-1]})",
        flush=True,
    )


if __name__ == "__main__":
    main()
