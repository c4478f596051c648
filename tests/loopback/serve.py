"""Run a loopback venue as a process, for end-to-end tests that start the bot separately.

    python -m tests.loopback.serve binanceusdm --port 0 --state-file /tmp/venue.json \\
        [--api-key K --api-secret S] [--price BTCUSDT=65000] [--balance 10000]

Run from the repository root. Prints `LOOPBACK <venue> <url> tls_port=<n>` once listening, writes the
state file (url, prices, wallet, positions, orders, trades) then and after every change, serves
until SIGTERM or SIGINT. `GET <url>/__test__/orders` returns the accepted orders; see server.py for
the other /__test__ endpoints (prices, faults, funding, state, requests)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any

from tests.loopback.binanceusdm import BinanceUsdmVenue
from tests.loopback.bybit import BybitVenue
from tests.loopback.krakenfutures import KrakenFuturesVenue
from tests.loopback.okx import OkxVenue
from tests.loopback.server import API_KEY, LoopbackVenue, ManualClock

VENUES: dict[str, type[LoopbackVenue]] = {
    "binanceusdm": BinanceUsdmVenue,
    "bybit": BybitVenue,
    "okx": OkxVenue,
    "krakenfutures": KrakenFuturesVenue,
}


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.loopback.serve")
    parser.add_argument("venue", choices=sorted(VENUES))
    parser.add_argument("--port", type=int, default=0, help="plain HTTP port; 0 picks a free one")
    parser.add_argument("--state-file", default=None)
    parser.add_argument("--api-key", default=API_KEY)
    # Default: the venue's own loopback secret (Kraken's is base64).
    parser.add_argument("--api-secret", default=None)
    parser.add_argument("--balance", default="10000")
    parser.add_argument(
        "--price", action="append", default=[], metavar="SYMBOL=PRICE", help="repeatable"
    )
    parser.add_argument(
        "--manual-clock-offset-ms",
        type=int,
        default=None,
        help="run on a manual clock starting this far from now (minute-aligned); "
        "POST /__test__/clock {advance_ms} moves it",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    prices = dict(item.split("=", 1) for item in args.price)
    extra: dict[str, Any] = {}
    if args.manual_clock_offset_ms is not None:
        start = int(time.time() * 1000) + args.manual_clock_offset_ms
        extra["clock"] = ManualClock(start - start % 60_000)
    if args.api_secret is not None:
        extra["api_secret"] = args.api_secret
    venue = VENUES[args.venue](
        api_key=args.api_key,
        prices=prices,
        balance=args.balance,
        port=args.port,
        state_file=args.state_file,
        **extra,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await venue.start()
    print(f"LOOPBACK {args.venue} {venue.url} tls_port={venue.tls_port}", flush=True)
    try:
        await stop.wait()
    finally:
        await venue.stop()


def main(argv: Sequence[str] | None = None) -> None:
    asyncio.run(serve(parse_args(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    main()
