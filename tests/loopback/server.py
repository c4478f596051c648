"""The shared machinery of a loopback venue: an aiohttp app on 127.0.0.1 (plain HTTP on `port`, TLS
on a second ephemeral port), request recording, fault injection, test-control endpoints, and
runners for asyncio tests, a background thread and a subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from aiohttp import web

from tests.loopback import history, tls
from tests.loopback.book import Book, Reject, Rules, now_ms, order_json
from tests.loopback.faults import Faults
from tests.loopback.triggers import ChildId, ChildOrderId, Triggers

# Known credentials of every loopback account unless a test chooses others.
API_KEY = "loopback-api-key-7d1f0c"
API_SECRET = "loopback-api-secret-4b9e2a"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Params = dict[str, Any]
SignedHandler = Callable[[web.Request, Params], Awaitable[web.Response]]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    api_key: str | None
    status: int
    response: str
    time_ms: int
    tls: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        """A request parameter wherever the client put it (query string or body)."""
        if name in self.query:
            return self.query[name]
        value = self.body.get(name)
        return None if value is None else str(value)


class LoopbackVenue:
    """Subclasses add the venue's routes and wire format. Use as `async with Venue() as v:` in an
    asyncio test, or through `ThreadedVenue` / `python -m tests.loopback.serve <venue>`."""

    venue: ClassVar[str]
    # The hostnames ccxt uses for this venue; `client_session()` resolves them to our TLS port.
    hostnames: ClassVar[tuple[str, ...]]
    api_key_header: ClassVar[str]

    def __init__(
        self,
        *,
        api_key: str = API_KEY,
        api_secret: str = API_SECRET,
        prices: Mapping[str, Decimal | str | float] | None = None,
        balance: Decimal | str = "10000",
        port: int = 0,
        state_file: str | Path | None = None,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.clock = clock
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.book = self._make_book(Decimal(str(balance)))
        # Conditional orders held apart from the book, and the mark they may watch.
        self.triggers = Triggers(self.book)
        for symbol, price in (prices or {}).items():
            self.book.prices[self._venue_symbol(symbol)] = Decimal(str(price))
        self._port = port
        self._state_file = Path(state_file) if state_file else None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.tls_port = 0
        # Created in start(), inside the loop that serves; set on stop to release held answers.
        self._stopping: asyncio.Event | None = None

    # ---- for subclasses ------------------------------------------------------------------------

    def _make_book(self, balance: Decimal) -> Book:
        raise NotImplementedError

    def _routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    def _rate_limited(self) -> web.Response:
        raise NotImplementedError

    def _banned(self) -> web.Response:
        """HTTP 418: the client kept calling through rate limits and is banned for Retry-After s."""
        until = self.clock() + int(self.faults.retry_after_s) * 1000
        message = f"Way too much request weight used; IP banned until {until}."
        headers = {"Retry-After": self.faults.retry_after_s} if self.faults.ban_header else {}
        return web.json_response({"code": -1003, "msg": message}, status=418, headers=headers)

    async def _check_signature(self, request: web.Request) -> Params | web.Response:
        """The request's parameters when its signature holds; the venue's refusal otherwise."""
        raise NotImplementedError

    def _reject(self, reject: Reject) -> web.Response:
        """The venue's answer to a business rejection from the book."""
        raise NotImplementedError

    def _signed(self, handler: SignedHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
        """Wraps a private endpoint: signature checked first, book rejections answered."""

        async def wrapped(request: web.Request) -> web.Response:
            checked = await self._check_signature(request)
            if isinstance(checked, web.Response):
                return checked
            try:
                return await handler(request, checked)
            except Reject as reject:
                return self._reject(reject)

        return wrapped

    def _unknown_status(self) -> web.Response:
        """What the venue answers when an order's fate is unknown to its gateway."""
        raise NotImplementedError

    # ---- public API ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def rules(self) -> dict[str, Rules]:
        return self.book.rules

    def orders(self) -> list[dict[str, object]]:
        """Every order the venue accepted, oldest first, as plain JSON values."""
        with self.book.lock:
            return [order_json(o) for o in self.book.orders]

    def recorded(self, path_contains: str = "", method: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in list(self.requests)
            if path_contains in r.path and (method is None or r.method == method)
        ]

    # What a fired trigger's book order is called: venue modules override (None: the trigger's
    # own client id, a new order id).
    _child_client_id: ChildId | None = None
    _child_order_id: ChildOrderId | None = None

    def set_price(self, symbol: str, price: Decimal | str | float) -> None:
        """Moves the last price, and the mark with it: resting limits and triggers it crosses
        fire."""
        self._move(symbol, last=Decimal(str(price)))

    def set_mark(self, symbol: str, price: Decimal | str | float) -> None:
        """Moves the mark price alone (the last stays): mark-price triggers it crosses fire."""
        self._move(symbol, mark=Decimal(str(price)))

    def _move(
        self, symbol: str, *, last: Decimal | None = None, mark: Decimal | None = None
    ) -> None:
        self.triggers.move(
            self._venue_symbol(symbol),
            last=last,
            mark=mark,
            child_client_id=self._child_client_id,
            child_order_id=self._child_order_id,
        )
        self._write_state()

    def settle_funding(self, symbol: str, rate: Decimal | str, time_ms: int | None = None) -> None:
        """Settle funding on the open position at the current price; `time_ms` backdates it."""
        self.book.settle_funding(self._venue_symbol(symbol), Decimal(str(rate)), time_ms)
        self._write_state()

    def client_session(self) -> Any:
        """An aiohttp session that reaches this venue under its real https hostnames."""
        return tls.loopback_session(dict.fromkeys(self.hostnames, self.tls_port))

    async def start(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application(middlewares=[self._middleware])
        app.add_routes(self._test_routes())
        app.add_routes(self._routes())
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        plain = web.TCPSite(self._runner, "127.0.0.1", self._port)
        secure = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=tls.server_ssl_context())
        await plain.start()
        await secure.start()
        self.port = _bound_port(plain)
        self.tls_port = _bound_port(secure)
        self._write_state()

    async def stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LoopbackVenue:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- helpers for venue modules -------------------------------------------------------------

    def _venue_symbol(self, symbol: str) -> str:
        """Accepts BTC/USDT:USDT or BTCUSDT."""
        if "/" in symbol:
            base, rest = symbol.split("/", 1)
            return base + rest.split(":", 1)[0]
        return symbol

    async def _after_submit(self, response: web.Response) -> web.Response:
        """Called by an order handler once the order is stored: applies any armed submit fault."""
        return await self._after_action("submit", response)

    async def _after_cancel(self, response: web.Response) -> web.Response:
        return await self._after_action("cancel", response)

    async def _after_action(self, action: str, response: web.Response) -> web.Response:
        self._write_state()
        fault = self.faults.take_after(action)
        if fault == "5xx":
            return self._unknown_status()
        if fault == "timeout":
            assert self._stopping is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.faults.timeout_delay_s)
        return response

    def _write_state(self) -> None:
        if self._state_file is None:
            return
        state = {"venue": self.venue, "url": self.url, "tls_port": self.tls_port}
        state.update(self.book.snapshot())
        state.update(self.triggers.snapshot())
        tmp = self._state_file.with_name(self._state_file.name + ".tmp")
        tmp.write_text(json.dumps(state, indent=1))
        os.replace(tmp, self._state_file)

    # ---- plumbing ------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/__test__/"):
            return await handler(request)
        body_text = await request.text()
        # Recorded on arrival (status 0 until answered): a request whose answer is held back by a
        # "timeout" fault is visible while it waits.
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            body=_parse_body(body_text, request.content_type),
            api_key=request.headers.get(self.api_key_header),
            status=0,
            response="",
            time_ms=self.clock(),
            tls=request.secure,
            headers={k: v for k, v in request.headers.items() if k.upper().startswith("X-")},
        )
        index = len(self.requests)
        self.requests.append(record)
        response = await self._answer(request, handler)
        text = getattr(response, "text", None) or ""
        self.requests[index] = replace(record, status=response.status, response=text[:2000])
        return response

    async def _answer(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.faults.take_stall(request.path):
            await asyncio.sleep(self.faults.timeout_delay_s)
        await history.before_answer(self, request.path)
        if self.faults.take_ban(request.path):
            return self._banned()
        if self.faults.take_rate_limit(request.path):
            return self._rate_limited()
        status = self.faults.take_server_error(request.path)
        if status is not None:
            return web.Response(
                status=status,
                text=f"<html><body><h1>{status} Bad Gateway</h1></body></html>",
                content_type="text/html",
            )
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return web.json_response(
                {"code": -5000, "msg": f"loopback: no route {request.path}"}, status=404
            )

    def _test_routes(self) -> list[web.RouteDef]:
        return [
            web.get("/__test__/orders", self._t_orders),
            web.get("/__test__/requests", self._t_requests),
            web.get("/__test__/signed", self._t_signed),
            web.get("/__test__/state", self._t_state),
            web.post("/__test__/prices", self._t_prices),
            web.post("/__test__/marks", self._t_marks),
            web.post("/__test__/faults", self._t_faults),
            web.post("/__test__/funding", self._t_funding),
            web.post("/__test__/clock", self._t_clock),
            web.post("/__test__/history", self._t_history),
        ]

    async def _t_orders(self, request: web.Request) -> web.Response:
        return web.json_response(self.orders())

    async def _t_requests(self, request: web.Request) -> web.Response:
        rows = [
            {
                "method": r.method,
                "path": r.path,
                "query": r.query,
                "body": r.body,
                "status": r.status,
                "time_ms": r.time_ms,
            }
            for r in self.recorded(request.query.get("path", ""))
        ]
        return web.json_response(rows)

    async def _t_signed(self, request: web.Request) -> web.Response:
        """How many requests carried an API key header or a signature (a paper bot sends none)."""
        signed = [r for r in self.requests if r.api_key or r.param("signature") or r.param("sign")]
        return web.json_response({"signed": len(signed), "total": len(self.requests)})

    async def _t_state(self, request: web.Request) -> web.Response:
        state = {"venue": self.venue, "url": self.url, "tls_port": self.tls_port}
        state.update(self.book.snapshot())
        state.update(self.triggers.snapshot())
        return web.json_response(state)

    async def _t_prices(self, request: web.Request) -> web.Response:
        """Body: {"BTCUSDT": "65000.1", ...}; resting limits crossed by a new price fill."""
        for symbol, price in (await request.json()).items():
            self.set_price(symbol, price)
        return web.json_response(self.book.snapshot()["prices"])

    async def _t_marks(self, request: web.Request) -> web.Response:
        """Body: {"BTCUSDT": "64000"}: moves the mark alone; mark-price triggers crossed fire."""
        for symbol, price in (await request.json()).items():
            self.set_mark(symbol, price)
        return web.json_response({s: str(self.triggers.mark(s)) for s in self.triggers.marks})

    async def _t_faults(self, request: web.Request) -> web.Response:
        """Body keys (all optional): clear (true), rate_limit_next / server_error_next /
        hide_next_lookups (counts), stall_next ({"n": 1, "path": "/fapi/v1/userTrades"}),
        fail_next_submits / fail_next_cancels
        ({"n": 1, "mode": "5xx"|"timeout"}), timeout_delay_s (seconds), hedge_mode (bool)."""
        spec = await request.json()
        faults = self.faults
        if spec.get("clear"):
            faults.clear()
        if "timeout_delay_s" in spec:
            faults.timeout_delay_s = float(spec["timeout_delay_s"])
        if "rate_limit_next" in spec:
            faults.rate_limit_next(int(spec["rate_limit_next"]))
        if "server_error_next" in spec:
            faults.server_error_next(int(spec["server_error_next"]))
        if "stall_next" in spec:
            faults.stall_next(int(spec["stall_next"].get("n", 1)), spec["stall_next"].get("path"))
        if "hide_next_lookups" in spec:
            faults.hide_next_lookups(int(spec["hide_next_lookups"]))
        if "hedge_mode" in spec:
            faults.set_hedge_mode(bool(spec["hedge_mode"]))
        for key, arm in (
            ("fail_next_submits", faults.fail_next_submits),
            ("fail_next_cancels", faults.fail_next_cancels),
        ):
            if key in spec:
                arm(int(spec[key].get("n", 1)), spec[key].get("mode", "5xx"))
        return web.json_response({"ok": True})

    async def _t_clock(self, request: web.Request) -> web.Response:
        """Body: {"advance_ms": 60000}. Only for a venue started with a ManualClock: lets a test
        close the next candle now instead of waiting a real minute."""
        if not isinstance(self.clock, ManualClock):
            return web.json_response({"error": "this venue runs on the wall clock"}, status=409)
        spec = await request.json()
        self.clock.advance(int(spec.get("advance_ms", 0)))
        return web.json_response({"now_ms": self.clock()})

    async def _t_history(self, request: web.Request) -> web.Response:
        """The download tests' knobs: holes, spoiled answers, stalled pages (history.py)."""
        return await history.configure(self, request)

    async def _t_funding(self, request: web.Request) -> web.Response:
        spec = await request.json()
        self.settle_funding(spec["symbol"], spec["rate"])
        return web.json_response({"ok": True})


class ManualClock:
    """A venue clock that moves only when told to (candles close on the test's schedule)."""

    def __init__(self, start_ms: int) -> None:
        self._now_ms = start_ms

    def __call__(self) -> int:
        return self._now_ms

    def advance(self, ms: int) -> None:
        self._now_ms += ms


def optional_int(value: Any) -> int | None:
    """A query parameter as an int; absent or empty is None (every venue's time bounds)."""
    return int(value) if value not in (None, "") else None


def _bound_port(site: web.TCPSite) -> int:
    server = site._server  # aiohttp keeps the asyncio server private; the bound port lives there
    assert server is not None
    sockets = getattr(server, "sockets", None) or []
    return int(sockets[0].getsockname()[1])


def _parse_body(text: str, content_type: str) -> dict[str, Any]:
    if not text:
        return {}
    if content_type == "application/json" or text.lstrip().startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return {"_raw": text}
        return parsed if isinstance(parsed, dict) else {"_list": parsed}
    from urllib.parse import parse_qsl

    return dict(parse_qsl(text, keep_blank_values=True))


class ThreadedVenue:
    """Runs a venue on its own event loop in a daemon thread: for synchronous tests and for tests
    that drive a bot in another loop. `with ThreadedVenue(BinanceUsdmVenue()) as v: v.url ...`"""

    def __init__(self, venue: LoopbackVenue) -> None:
        self.venue = venue
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return self.venue.url

    @property
    def tls_port(self) -> int:
        return self.venue.tls_port

    def orders(self) -> list[dict[str, object]]:
        return self.venue.orders()

    def start(self, timeout_s: float = 10.0) -> ThreadedVenue:
        self._thread = threading.Thread(target=self._run, name=f"loopback-{self.venue.venue}")
        self._thread.daemon = True
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise RuntimeError("loopback venue did not start in time")
        if self._error is not None:
            raise RuntimeError(f"loopback venue failed to start: {self._error}")
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self.venue.stop(), loop)
        future.result(timeout_s)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout_s)
        self._loop = None

    def __enter__(self) -> ThreadedVenue:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self.venue.start())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()


def wait_for_state_file(path: Path, timeout_s: float = 10.0) -> dict[str, Any]:
    """For a test that started `python -m tests.loopback.serve`: the first state the venue wrote."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            try:
                return dict(json.loads(path.read_text()))
            except ValueError:
                pass
        time.sleep(0.02)
    raise TimeoutError(f"{path} did not appear within {timeout_s}s")
