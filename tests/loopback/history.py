"""Public price history on the loopback venues, for `perps-bot data download`: trade and mark-price
klines in each venue's wire format and page size, over the bundled real data (mark klines from the
bundled real mark series where there is one), plus what a download test needs to provoke:

- holes: candles removed from the recorded market (a venue outage), which a download must report;
- spoiled answers: the next kline answer carries a row the client did not ask for (after the asked
  end, or off the timeframe grid), which a download must refuse;
- a stall after N answered pages of a path: the next one is held until the venue stops, so a test
  can kill a client mid-download at a known point.

Set from a test with `knobs(venue)` (in process) or `POST /__test__/history` (a venue subprocess):
{"holes": {"BTCUSDT": [[first_ms, last_ms], ...]}, "spoil_next": {"what": "after_end" |
"off_grid", "path": "/fapi/v1/klines", "skip": pages answered well first}, "stall_after": {"path": "/fapi/v1/klines", "pages": 2},
"clear": true}."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import functools
import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.loopback import market

if TYPE_CHECKING:
    from tests.loopback.server import LoopbackVenue

Row = tuple[int, str, str, str, str, str]
# venue symbol -> {interval: bundled real mark-price klines}
MARK_CANDLES = {
    "BTCUSDT": {"1h": "binance_usdm/1h_mark/BTCUSDT-mark-1h-2024.csv"},
    "ETHUSDT": {"1h": "binance_usdm/1h_mark/ETHUSDT-mark-1h-2024.csv"},
}
# How long a stalled page is held at most (the venue's stop releases it earlier).
STALL_S = 600.0


@dataclass
class HistoryKnobs:
    holes: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    # [what, path fragment, pages still answered unspoiled first]
    spoil: list[list[Any]] = field(default_factory=list)
    # path fragment -> pages still answered before the next one stalls
    stall_after: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, spec: dict[str, Any]) -> None:
        with self.lock:
            if spec.get("clear"):
                self.holes.clear()
                self.spoil.clear()
                self.stall_after.clear()
            for symbol, spans in (spec.get("holes") or {}).items():
                self.holes.setdefault(symbol, []).extend((int(a), int(b)) for a, b in spans)
            if "spoil_next" in spec:
                spoil = spec["spoil_next"]
                self.spoil.append([spoil["what"], spoil.get("path", ""), int(spoil.get("skip", 0))])
            if "stall_after" in spec:
                stall = spec["stall_after"]
                self.stall_after[stall["path"]] = int(stall["pages"])

    def take_spoil(self, path: str) -> str | None:
        with self.lock:
            for i, (what, fragment, skip) in enumerate(self.spoil):
                if fragment in path:
                    if skip > 0:
                        self.spoil[i][2] = skip - 1
                        return None
                    del self.spoil[i]
                    return str(what)
        return None

    def take_stall(self, path: str) -> bool:
        with self.lock:
            for fragment, left in self.stall_after.items():
                if fragment in path:
                    if left > 0:
                        self.stall_after[fragment] = left - 1
                        return False
                    del self.stall_after[fragment]
                    return True
        return False


def knobs(venue: LoopbackVenue) -> HistoryKnobs:
    found = venue.__dict__.get("_history_knobs")
    if found is None:
        found = venue.__dict__.setdefault("_history_knobs", HistoryKnobs())
    assert isinstance(found, HistoryKnobs)
    return found


async def before_answer(venue: LoopbackVenue, path: str) -> None:
    """Called for every request before it is answered: holds a page armed to stall."""
    if knobs(venue).take_stall(path):
        stopping = venue._stopping
        assert stopping is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), STALL_S)


async def configure(venue: LoopbackVenue, request: web.Request) -> web.Response:
    knobs(venue).configure(await request.json())
    return web.json_response({"ok": True})


@functools.cache
def _mark_rows(symbol: str, interval: str) -> tuple[Row, ...]:
    relative = MARK_CANDLES.get(symbol, {}).get(interval)
    if relative is None:
        return ()
    text = (resources.files("bot_v2") / "resources/data" / relative).read_text(encoding="utf-8")
    return tuple(
        (int(r[0]), r[1], r[2], r[3], r[4], "0") for r in csv.reader(text.splitlines()[1:])
    )


def candles(
    venue: LoopbackVenue,
    path: str,
    symbol: str,
    interval: str,
    start_ms: int | None,
    end_ms: int | None,
    limit: int,
    price: str,
) -> list[Row]:
    """Trade ("trade") or mark ("mark") klines oldest first, holes removed, maybe spoiled."""
    marks = _mark_rows(symbol, interval) if price == "mark" else ()
    if marks and start_ms is not None and marks[0][0] <= start_ms <= marks[-1][0]:
        rows = [r for r in marks if r[0] >= start_ms and (end_ms is None or r[0] <= end_ms)]
        rows = rows[:limit]
    else:
        rows = market.candles(venue.book, symbol, interval, start_ms, end_ms, limit, venue.clock)
        if price == "mark":  # no recorded marks here: the trade path, without volume
            rows = [(t, o, h, low, c, "0") for t, o, h, low, c, _ in rows]
    holes = knobs(venue).holes.get(symbol, [])
    rows = [r for r in rows if not any(a <= r[0] <= b for a, b in holes)]
    return _spoiled(knobs(venue).take_spoil(path), rows, market.INTERVAL_MS[interval], end_ms)


def _spoiled(what: str | None, rows: list[Row], step: int, end_ms: int | None) -> list[Row]:
    if what is None or not rows:
        return rows
    last = rows[-1]
    if what == "after_end":
        beyond = (end_ms if end_ms is not None else last[0]) + step
        return [*rows[:-1], (beyond - beyond % step, *last[1:])]
    if what == "off_grid":
        return [*rows[:-1], (last[0] + 1, *last[1:])]
    raise ValueError(f"unknown spoil {what!r}")


# ---- each venue's wire format ------------------------------------------------------------------


async def binance_klines(venue: LoopbackVenue, request: web.Request) -> web.Response:
    """GET /fapi/v1/klines and /fapi/v1/markPriceKlines: startTime/endTime (both included), limit
    default 500, max 1500, oldest first; mark klines carry "0" volumes, as Binance's do."""
    from tests.loopback.binanceusdm import error
    from tests.loopback.server import optional_int

    q = request.query
    symbol = q.get("symbol") or q.get("pair") or ""
    if symbol not in venue.book.rules:
        return error(400, -1121, "Invalid symbol.")
    interval = q.get("interval", "")
    if interval not in market.INTERVAL_MS:
        return error(400, -1120, "Invalid interval.")
    price = "mark" if request.path.endswith("markPriceKlines") else "trade"
    step = market.INTERVAL_MS[interval]
    rows = candles(
        venue, request.path, symbol, interval, optional_int(q.get("startTime")),
        optional_int(q.get("endTime")), min(int(q.get("limit", 500)), 1500), price,
    )  # fmt: skip
    return web.json_response(
        [[t, o, h, low, c, v, t + step - 1, "0", 1, "0", "0", "0"] for t, o, h, low, c, v in rows]
    )


async def bybit_kline(venue: Any, request: web.Request) -> web.Response:
    """GET /v5/market/kline and /v5/market/mark-price-kline: start/end (both included), limit
    default 200, max 1000, newest first; mark rows are [start, open, high, low, close]."""
    from tests.loopback.bybit import INTERVALS
    from tests.loopback.server import optional_int

    q = request.query
    symbol = q.get("symbol", "")
    interval = INTERVALS.get(q.get("interval", ""))
    if symbol not in venue.book.rules or interval is None:
        return venue.fail(10001, "params error: symbol or interval invalid")
    mark = request.path.endswith("mark-price-kline")
    rows = candles(
        venue, request.path, symbol, interval, optional_int(q.get("start")),
        optional_int(q.get("end")), min(int(q.get("limit", 200)), 1000),
        "mark" if mark else "trade",
    )  # fmt: skip
    listed = [
        [str(t), o, h, low, c] if mark else [str(t), o, h, low, c, v, "0"]
        for t, o, h, low, c, v in reversed(rows)
    ]
    return venue.ok({"symbol": symbol, "category": q.get("category", "linear"), "list": listed})


async def okx_candles(venue: Any, request: web.Request) -> web.Response:
    """GET /api/v5/market/(history-)candles and (history-)mark-price-candles: `after` older than,
    `before` newer than (both excluded), newest first; limit max 300 on (history) candles, 100 on
    mark candles. Mark rows are [ts, o, h, l, c, confirm]."""
    from tests.loopback.okx import BARS
    from tests.loopback.server import optional_int

    q = request.query
    rules = venue._rules_for(q.get("instId"))
    interval = BARS.get(q.get("bar", "1m"))
    if interval is None:
        return venue.fail("51000", "Parameter bar error")
    mark = "mark-price" in request.path
    cap = 100 if mark else 300
    before, after = optional_int(q.get("before")), optional_int(q.get("after"))
    limit = min(int(q.get("limit") or 100), cap)
    start = None if before is None else before + 1
    end = None if after is None else after - 1
    rows = candles(
        venue, request.path, rules.symbol, interval, start, end, limit, "mark" if mark else "trade"
    )
    now, step = venue.clock(), market.INTERVAL_MS[interval]
    listed = []
    for t, o, h, low, c, v in reversed(rows):
        confirm = "1" if t + step <= now else "0"
        listed.append(
            [str(t), o, h, low, c, confirm] if mark else [str(t), o, h, low, c, v, v, v, confirm]
        )
    return venue.ok(listed)
