"""Stream throughput: messages per second parsed by the real parsers and dispatched into a stand-in
for market data's sink (latest mark per symbol + list of closed candles).

1. from memory: BinancePublicParser.feed over pre-built frames, every event dispatched (no
   coalescing, the worst case);
2. over a loopback websocket: the full StreamingService from create_stream (websockets client,
   parser, drain with coalescing) against an in-process server that writes pre-built frames, all
   on one core (one process, one event loop).

Also: the cost of the hot path's pieces (orjson, Decimal from the raw string, the Mark) and, via
tracemalloc, what each message leaves allocated. Exit status 1 when a target is missed.

    python scripts/bench_stream.py [--messages 300000] [--no-strict]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import struct
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable
from decimal import Decimal

import orjson
from websockets.asyncio.server import ServerConnection, serve

from bot_v2.adapters.streams.ws import WsOptions
from bot_v2.adapters.venues.binanceusdm.parser import BinancePublicParser
from bot_v2.domain.market import Candle, Mark
from bot_v2.features.streaming import RateLimitedLog, StreamOutput
from bot_v2.orchestration.streams import create_stream

TARGET_MEMORY = 200_000
TARGET_LOOPBACK = 50_000
SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT")
WIRES = ("btcusdt", "ethusdt")
MINUTE = 60_000


def build_frames(count: int) -> list[bytes]:
    """A Binance-like mix: a book ticker per symbol per step, a mark price every 50 steps, a kline
    update every 12 steps that closes every 60th time. Prices and ids move like a real market."""
    frames: list[bytes] = []
    now = 1_700_000_040_000
    update_id = 4_000_000_000
    price = {w: Decimal("67321.10") + 1000 * i for i, w in enumerate(WIRES)}
    candle_open = now
    kline_updates = 0
    step = 0
    while len(frames) < count:
        step += 1
        now += 7
        for wire in WIRES:
            update_id += 13
            price[wire] += Decimal("0.10") if step % 3 else Decimal("-0.20")
            bid, ask = price[wire], price[wire] + Decimal("0.10")
            frames.append(
                orjson.dumps(
                    {
                        "stream": f"{wire}@bookTicker",
                        "data": {
                            "e": "bookTicker",
                            "u": update_id,
                            "s": wire.upper(),
                            "b": str(bid),
                            "B": "3.512",
                            "a": str(ask),
                            "A": "0.744",
                            "T": now - 2,
                            "E": now,
                        },
                    }
                )
            )
            if step % 50 == 0:
                frames.append(
                    orjson.dumps(
                        {
                            "stream": f"{wire}@markPrice@1s",
                            "data": {
                                "e": "markPriceUpdate",
                                "E": now,
                                "s": wire.upper(),
                                "p": str(bid),
                                "i": str(bid - 3),
                                "P": str(bid + 1),
                                "r": "0.00010000",
                                "T": now + 3_600_000,
                            },
                        }
                    )
                )
            if step % 12 == 0:
                closed = (kline_updates + 1) % 60 == 0
                frames.append(
                    orjson.dumps(
                        {
                            "stream": f"{wire}@kline_1m",
                            "data": {
                                "e": "kline",
                                "E": now,
                                "s": wire.upper(),
                                "k": {
                                    "t": candle_open,
                                    "T": candle_open + MINUTE - 1,
                                    "s": wire.upper(),
                                    "i": "1m",
                                    "f": 1,
                                    "L": 2,
                                    "o": str(bid - 5),
                                    "c": str(bid),
                                    "h": str(bid + 10),
                                    "l": str(bid - 10),
                                    "v": "120.5",
                                    "n": 77,
                                    "x": closed,
                                    "q": "1",
                                    "V": "1",
                                    "Q": "1",
                                    "B": "0",
                                },
                            },
                        }
                    )
                )
        if step % 12 == 0:
            kline_updates += 1
            if kline_updates % 60 == 0:
                candle_open += MINUTE
    return frames[:count]


class Sink:
    """Stand-in for market data: latest mark per symbol, closed candles in order."""

    def __init__(self) -> None:
        self.marks: dict[str, Mark] = {}
        self.candles: list[Candle] = []

    def dispatch(self, events: list[Mark | Candle]) -> None:
        marks, candles = self.marks, self.candles
        for event in events:
            if type(event) is Mark:
                marks[event.symbol] = event
            else:
                candles.append(event)  # type: ignore[arg-type]


def new_parser() -> BinancePublicParser:
    return BinancePublicParser(
        SYMBOLS, MINUTE, "1m", StreamOutput(), RateLimitedLog(logging.getLogger("bench"))
    )


def bench_memory(frames: list[bytes], rounds: int = 5) -> tuple[float, Sink]:
    best = float("inf")
    sink = Sink()
    for _ in range(rounds):
        parser = new_parser()
        sink = Sink()
        buffer = parser.output.market
        feed = parser.feed
        gc.collect()
        start = time.perf_counter()
        for index, frame in enumerate(frames, 1):
            feed(frame)
            if index % 1024 == 0:
                sink.dispatch(buffer)  # type: ignore[arg-type]
                buffer.clear()
        sink.dispatch(buffer)  # type: ignore[arg-type]
        buffer.clear()
        best = min(best, time.perf_counter() - start)
        assert parser.counters.malformed == 0 and parser.counters.dropped == 0
    return len(frames) / best, sink


def frame_bytes(payload: bytes) -> bytes:
    """An unmasked server text frame."""
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65536:
        return bytes((0x81, 126)) + struct.pack("!H", size) + payload
    return bytes((0x81, 127)) + struct.pack("!Q", size) + payload


async def bench_loopback(frames: list[bytes]) -> tuple[float, Sink]:
    blob_chunks = [
        b"".join(frame_bytes(f) for f in frames[i : i + 2048]) for i in range(0, len(frames), 2048)
    ]
    started = asyncio.Event()

    async def blast(ws: ServerConnection) -> None:
        # The server is not under test: it writes ready-made frames straight to the socket.
        started.set()
        transport = ws.transport
        for chunk in blob_chunks:
            transport.write(chunk)
            while transport.get_write_buffer_size() > 1 << 20:
                await asyncio.sleep(0.0005)
        await ws.wait_closed()

    async with serve(blast, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        service = create_stream(
            "binanceusdm",
            SYMBOLS,
            url=f"ws://127.0.0.1:{port}",
            heartbeat_s=30.0,
            rotate_after_s=None,
            ws_options=WsOptions(proxy=None),
        )
        sink = Sink()
        await service.start()
        try:
            await asyncio.wait_for(started.wait(), 10)
            begin = time.perf_counter()
            total = len(frames)
            while service.stats().messages < total:
                await asyncio.sleep(0.002)
                sink.dispatch(service.drain())
            sink.dispatch(service.drain())
            elapsed = time.perf_counter() - begin
            stats = service.stats()
        finally:
            await service.stop()
    assert stats.malformed == 0 and stats.dropped == 0, stats
    return total / elapsed, sink


def micro(label: str, fn: Callable[[], object], number: int = 200_000) -> None:
    seconds = min(timeit.repeat(fn, number=number, repeat=3)) / number
    print(f"  {label:<44} {seconds * 1e9:8.0f} ns")


def pieces(frames: list[bytes]) -> None:
    print("hot path pieces (per call):")
    frame = frames[0]
    data = orjson.loads(frame)["data"]
    bid, ask = data["b"], data["a"]
    half = Decimal("0.5")
    price = Decimal(bid)
    parser = new_parser()
    micro("orjson.loads(bookTicker frame)", lambda: orjson.loads(frame))
    micro("Decimal(raw string)", lambda: Decimal(bid))
    micro("float(raw string)  [not used: for scale]", lambda: float(bid))
    micro("mid = (Decimal(b) + Decimal(a)) * 0.5", lambda: (Decimal(bid) + Decimal(ask)) * half)
    micro("Mark(symbol, price, ts)", lambda: Mark("BTC/USDT:USDT", price, 1))
    micro("parser.feed(bookTicker frame) [duplicate]", lambda: parser.feed(frame))


def allocations(frames: list[bytes]) -> None:
    sample = frames[:20_000]
    parser = new_parser()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for frame in sample:
        parser.feed(frame)
    after = tracemalloc.take_snapshot()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    diff = after.compare_to(before, "filename")
    blocks = sum(stat.count_diff for stat in diff)
    size = sum(stat.size_diff for stat in diff)
    events = len(parser.output.market)
    print(
        f"allocations (tracemalloc, {len(sample)} messages, {events} events kept): "
        f"{blocks / len(sample):.1f} blocks, {size / len(sample):.0f} bytes retained per message"
        f" (the Mark and its Decimal); peak {peak / 1024:.0f} KiB"
    )


def main(argv: list[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--messages", type=int, default=300_000)
    arguments.add_argument("--no-strict", action="store_true", help="exit 0 even below target")
    options = arguments.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    frames = build_frames(options.messages)
    kinds: dict[str, int] = {}
    for frame in frames:
        kind = orjson.loads(frame)["data"]["e"]
        kinds[kind] = kinds.get(kind, 0) + 1
    mix = ", ".join(f"{k} {v * 100 / len(frames):.1f}%" for k, v in sorted(kinds.items()))
    print(f"{len(frames)} Binance frames, mean {sum(map(len, frames)) / len(frames):.0f} B: {mix}")

    memory_rate, sink = bench_memory(frames)
    print(
        f"from memory:   {memory_rate:>10,.0f} msg/s  (target >= {TARGET_MEMORY:,}; "
        f"{len(sink.candles)} candles, {len(sink.marks)} latest marks)"
    )
    loopback_rate, sink = asyncio.run(bench_loopback(frames))
    print(
        f"over loopback: {loopback_rate:>10,.0f} msg/s  (target >= {TARGET_LOOPBACK:,}; "
        f"{len(sink.candles)} candles, {len(sink.marks)} latest marks)"
    )
    pieces(frames)
    allocations(frames)

    missed = memory_rate < TARGET_MEMORY or loopback_rate < TARGET_LOOPBACK
    if missed:
        print("below target", file=sys.stderr)
    return 1 if missed and not options.no_strict else 0


if __name__ == "__main__":
    sys.exit(main())
