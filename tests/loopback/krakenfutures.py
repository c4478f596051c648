"""A loopback Kraken Futures venue speaking the REST wire format (`/derivatives/api/v3`, the charts
and history APIs) for the multi-collateral linear perpetuals (`PF_XBTUSD`, `PF_ETHUSD`: USD
contracts of one base unit, margined in the flex account) on the endpoints ccxt's `krakenfutures`
calls. Signed as Kraken signs: the `Authent` header is base64(HMAC-SHA512(base64decode(secret),
SHA256(postData + Nonce + endpointPath))), where postData is the url-encoded parameters (the query
string, or the `json=` body of batchorder), Nonce the optional `Nonce` header and endpointPath the
path from `/api/` on (`/derivatives` dropped), with the key in `APIKey`. Errors come in Kraken's
envelope, `{"result": "error", "error": "authenticationError", "serverTime": ...}`; an order's
refusal is a successful call whose `sendStatus.status` names it (`insufficientAvailableFunds`,
`wouldNotReducePosition`, `clientOrderIdAlreadyExist`, ...), as Kraken answers.

The book keeps the bundled Binance rules and data under Binance's names (BTCUSDT); the wire speaks
Kraken's (`PF_XBTUSD`, settled in USD). Order ids are UUIDs made from the book's ids. Stops and
take-profits (`orderType` `stp` / `take_profit`, `stopPrice`, `triggerSignal` mark / last) are
listed with the plain orders in `openorders` (as Kraken does) and, once fired, become a market order
under the same order id and client id."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.loopback import data, history, market
from tests.loopback.binanceusdm import rules_from_exchange_info
from tests.loopback.book import (
    MAKER_FEE,
    TAKER_FEE,
    Book,
    BookOrder,
    BookPosition,
    Reject,
    Rules,
)
from tests.loopback.server import LoopbackVenue, optional_int
from tests.loopback.triggers import Trigger

# Kraken secrets are base64; the loopback's default credentials for this venue.
API_SECRET = base64.b64encode(b"loopback-kraken-futures-secret-0c7e19a2").decode()
# Binance's symbols (the book's) -> Kraken's base names.
BASES = {"BTC": "XBT"}
# Kraken's words for the book's refusals (an order's sendStatus.status, or the call's error).
SEND_STATUS = {
    "insufficient_margin": "insufficientAvailableFunds",
    "qty_precision": "invalidSize",
    "qty_too_small": "invalidSize",
    "qty_not_positive": "invalidSize",
    "qty_too_large": "maxPositionViolation",
    "min_notional": "invalidSize",
    "price_precision": "invalidPrice",
    "price_missing": "invalidPrice",
    "reduce_only": "wouldNotReducePosition",
    "duplicate_client_id": "clientOrderIdAlreadyExist",
    "not_trading": "marketInactive",
    "post_only_would_take": "postWouldExecute",
    "would_trigger": "invalidPrice",
}
FEE_SCHEDULE_UID = "eef90775-995b-4596-9257-0917f6134766"
INTERVALS = {"1m", "5m", "15m", "30m", "1h", "4h", "12h", "1d"}

Params = dict[str, Any]


def num(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def iso_ms(ms: int) -> str:
    stamp = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def authent(secret: str, post_data: str, nonce: str, endpoint_path: str) -> str:
    """Kraken's signature: base64(HMAC-SHA512(base64decode(secret),
    SHA256(postData + Nonce + endpointPath))), endpointPath from `/api/` on."""
    digest = hashlib.sha256((post_data + nonce + endpoint_path).encode()).digest()
    mac = hmac.new(base64.b64decode(secret), digest, hashlib.sha512).digest()
    return base64.b64encode(mac).decode()


def endpoint_path(url_path: str) -> str:
    """The signed path: the URL path without the `/derivatives` prefix of the trading API."""
    return url_path[len("/derivatives") :] if url_path.startswith("/derivatives/") else url_path


def order_uuid(order_id: int) -> str:
    return str(uuid.UUID(int=order_id))


def book_id(text: str) -> int | None:
    try:
        return uuid.UUID(text).int
    except ValueError:
        return None


class KrakenFuturesVenue(LoopbackVenue):
    venue = "krakenfutures"
    hostnames = ("futures.kraken.com", "demo-futures.kraken.com")
    api_key_header = "APIKey"

    def __init__(self, *, api_secret: str = API_SECRET, **kwargs: Any) -> None:
        super().__init__(api_secret=api_secret, **kwargs)

    # A fired stop keeps its order id and client id: it becomes a market order.
    _child_order_id = staticmethod(lambda trigger: trigger.trigger_id)

    def _make_book(self, balance: Decimal) -> Book:
        rules = {s: r for s, r in rules_from_exchange_info().items() if r.kind == "linear_swap"}
        for r in rules.values():
            # Kraken has no minimum order value: the minimum is one step.
            r.min_notional = Decimal(0)
            r.min_qty = r.step
        prices = {s: data.last_close(s) for s in rules if s in data.CANDLES}
        return Book(
            rules=rules,
            prices=prices,
            wallet=balance,
            asset="USD",
            unique_client_ids="all",
            post_only_policy="reject",
            clock=self.clock,
        )

    def _venue_symbol(self, symbol: str) -> str:
        """Accepts PF_XBTUSD / pf_xbtusd and BTC/USD:USD as well as the book's BTCUSDT."""
        upper = symbol.upper()
        if upper.startswith("PF_") and upper.endswith("USD"):
            base = upper[3:-3]
            base = {v: k for k, v in BASES.items()}.get(base, base)
            return base + "USDT"
        if "/" in symbol:
            return symbol.split("/", 1)[0] + "USDT"
        return symbol

    def kraken_symbol(self, rules: Rules) -> str:
        return f"PF_{BASES.get(rules.base, rules.base)}USD"

    def _rules_for(self, symbol: Any) -> Rules:
        text = str(symbol or "")
        if not text.upper().startswith("PF_"):
            raise Reject("unknown_symbol", text)
        return self.book.rule(self._venue_symbol(text))

    # ---- envelope ------------------------------------------------------------------------------

    def ok(self, body: dict[str, Any]) -> web.Response:
        return web.json_response({"result": "success", **body, "serverTime": iso_ms(self.clock())})

    def fail(self, error: str, status: int = 200) -> web.Response:
        body = {"result": "error", "error": error, "serverTime": iso_ms(self.clock())}
        return web.json_response(body, status=status)

    def _rate_limited(self) -> web.Response:
        return self.fail("apiLimitExceeded", status=429)

    def _unknown_status(self) -> web.Response:
        # Kraken's gateway answer when the matching engine did not reply in time.
        return self.fail("unavailable", status=503)

    def _reject(self, reject: Reject) -> web.Response:
        if reject.kind == "unknown_symbol":
            return self.fail("contractNotFound")
        if reject.kind == "bad_param":
            return self.fail("invalidArgument: " + reject.detail)
        return self.fail(SEND_STATUS.get(reject.kind, "invalidArgument"))

    # ---- signing -------------------------------------------------------------------------------

    async def _check_signature(self, request: web.Request) -> Params | web.Response:
        key = request.headers.get("APIKey")
        signature = request.headers.get("Authent")
        if not key or key != self.api_key or not signature:
            return self.fail("authenticationError", status=401)
        body = await request.text()
        query = request.rel_url.raw_query_string
        post_data = body if body else query
        nonce = request.headers.get("Nonce", "")
        endpoint = endpoint_path(request.rel_url.raw_path)
        try:
            expected = authent(self.api_secret, post_data, nonce, endpoint)
        except ValueError:
            return self.fail("authenticationError", status=401)
        if not hmac.compare_digest(expected, signature):
            return self.fail("authenticationError", status=401)
        params: Params = {}
        for k, v in parse_qsl(query, keep_blank_values=True):
            # orderIds / cliOrdIds repeat for several orders.
            params.setdefault(k, []).append(v) if k.endswith("Ids") else params.__setitem__(k, v)
        if body.startswith("json="):
            try:
                params["json"] = json.loads(dict(parse_qsl(body))["json"])
            except (ValueError, KeyError):
                return self.fail("Json Parse Error")
        return params

    # ---- routes --------------------------------------------------------------------------------

    def _routes(self) -> list[web.RouteDef]:
        s = self._signed
        api = "/derivatives/api/v3"
        return [
            web.get(f"{api}/instruments", self._instruments),
            web.get(f"{api}/tickers", self._tickers),
            web.get("/derivatives/api/v4/historicalfundingrates", self._funding_rates),
            web.get("/api/charts/v1/{price_type}/{symbol}/{interval}", self._candles),
            web.get(f"{api}/feeschedules", self._fee_schedules),
            web.get(f"{api}/feeschedules/volumes", s(self._fee_volumes)),
            web.get(f"{api}/accounts", s(self._accounts)),
            web.get(f"{api}/openpositions", s(self._open_positions)),
            web.get(f"{api}/leveragepreferences", s(self._leverage_get)),
            web.put(f"{api}/leveragepreferences", s(self._leverage_put)),
            web.post(f"{api}/sendorder", s(self._send_order)),
            web.post(f"{api}/cancelorder", s(self._cancel_order)),
            web.post(f"{api}/batchorder", s(self._batch_order)),
            web.get(f"{api}/openorders", s(self._open_orders)),
            web.get(f"{api}/orders/status", s(self._orders_status)),
            web.get(f"{api}/fills", s(self._fills)),
            web.get("/api/history/v3/account-log", s(self._account_log)),
        ]

    # ---- public --------------------------------------------------------------------------------

    def _instrument(self, rules: Rules) -> dict[str, Any]:
        brackets = data.leverage_brackets().get(rules.symbol, [])
        ref = data.last_close(rules.symbol) if rules.symbol in data.CANDLES else Decimal(1)
        # Kraken's margin levels start at a position size in base units (numNonContractUnits).
        levels = [
            {
                "numNonContractUnits": float(round(Decimal(b["notionalFloor"]) / ref, 3)),
                "initialMargin": float(Decimal(1) / Decimal(b["initialLeverage"])),
                "maintenanceMargin": float(Decimal(b["maintMarginRatio"])),
            }
            for b in brackets
        ] or [{"numNonContractUnits": 0, "initialMargin": 0.02, "maintenanceMargin": 0.01}]
        precision = -rules.step.normalize().as_tuple().exponent  # type: ignore[operator]
        return {
            "symbol": self.kraken_symbol(rules),
            "type": "flexible_futures",
            "tradeable": True,
            "tickSize": float(rules.tick),
            "contractSize": 1,
            "impactMidSize": 1,
            "maxPositionSize": float(rules.max_qty),
            "openingDate": "2022-01-01T00:00:00.000Z",
            "marginLevels": levels,
            "fundingRateCoefficient": 8,
            "maxRelativeFundingRate": 0.001,
            "contractValueTradePrecision": max(int(precision), 0),
            "postOnly": False,
            "feeScheduleUid": FEE_SCHEDULE_UID,
            "mtf": False,
            "base": BASES.get(rules.base, rules.base),
            "quote": "USD",
            "pair": f"{BASES.get(rules.base, rules.base)}:USD",
            "category": "Layer 1",
            "tags": [],
            "tradfi": False,
        }

    async def _instruments(self, request: web.Request) -> web.Response:
        rows: list[dict[str, Any]] = [self._instrument(r) for r in self.book.rules.values()]
        # An inverse perpetual, so a client can be told a symbol is listed but not as linear.
        rows.append(
            {
                "symbol": "PI_XBTUSD",
                "type": "futures_inverse",
                "tradeable": True,
                "tickSize": 0.5,
                "contractSize": 1,
                "contractValueTradePrecision": 0,
                "marginLevels": [
                    {"contracts": 0, "initialMargin": 0.02, "maintenanceMargin": 0.01}
                ],
                "openingDate": "2018-08-31T00:00:00.000Z",
                "underlying": "rr_xbtusd",
                "tags": [],
            }
        )
        return self.ok({"instruments": rows})

    def _funding_rate(self, rules: Rules) -> Decimal:
        return market.last_funding_rate(self.book, rules.symbol)

    async def _tickers(self, request: web.Request) -> web.Response:
        now = iso_ms(self.clock())
        rows = []
        for r in self.book.rules.values():
            last = self.book.prices.get(r.symbol)
            if last is None:
                continue
            mark = self.triggers.mark(r.symbol)
            relative = self._funding_rate(r)
            rows.append(
                {
                    "tag": "perpetual",
                    "pair": f"{BASES.get(r.base, r.base)}:USD",
                    "symbol": self.kraken_symbol(r),
                    "markPrice": num(mark),
                    "bid": num(last - r.tick),
                    "bidSize": "1",
                    "ask": num(last),
                    "askSize": "1",
                    "vol24h": "0",
                    "volumeQuote": "0",
                    "openInterest": "0",
                    "open24h": num(last),
                    "high24h": num(last),
                    "low24h": num(last),
                    "indexPrice": num(mark),
                    "last": num(last),
                    "lastTime": now,
                    "lastSize": "1",
                    "suspended": False,
                    # Kraken's ticker rate is absolute (USD per contract per period); ccxt divides
                    # it by the mark to get the relative rate.
                    "fundingRate": num(relative * mark),
                    "fundingRatePrediction": num(relative * mark),
                    "postOnly": False,
                }
            )
        return self.ok({"tickers": rows})

    async def _funding_rates(self, request: web.Request) -> web.Response:
        rules = self._rules_for(request.query.get("symbol"))
        rows = market.funding_rates(self.book, rules.symbol, None, None, 1_000_000)
        listed = [
            {
                "timestamp": iso_ms(t),
                "fundingRate": float(rate * (mark or self.book.prices[rules.symbol])),
                "relativeFundingRate": float(rate),
            }
            for t, rate, mark in rows
        ]
        return web.json_response({"rates": listed, "result": "success"})

    async def _candles(self, request: web.Request) -> web.Response:
        info = request.match_info
        if info["price_type"] not in ("trade", "mark", "spot") or info["interval"] not in INTERVALS:
            return web.json_response({"error": "invalid arguments"}, status=400)
        rules = self._rules_for(info["symbol"])
        start = optional_int(request.query.get("from"))
        end = optional_int(request.query.get("to"))
        # `from` / `to` are epoch seconds, both inclusive; at most 2000 candles, oldest first.
        # Trade and mark candles, with the download tests' holes and faults (history.py).
        rows = history.candles(
            self,
            request.path,
            rules.symbol,
            info["interval"],
            None if start is None else start * 1000,
            None if end is None else end * 1000,
            2000,
            "mark" if info["price_type"] == "mark" else "trade",
        )
        candles = [
            {"time": t, "open": o, "high": h, "low": low, "close": c, "volume": v}
            for t, o, h, low, c, v in rows
        ]
        return web.json_response({"candles": candles, "more_candles": False})

    async def _fee_schedules(self, request: web.Request) -> web.Response:
        # Percent, tiers by 30-day USD volume; the instruments name their schedule's uid.
        tiers = [
            {
                "makerFee": float(MAKER_FEE * 100),
                "takerFee": float(TAKER_FEE * 100),
                "usdVolume": 0.0,
            },
            {"makerFee": 0.015, "takerFee": 0.04, "usdVolume": 100000.0},
        ]
        schedule = {"uid": FEE_SCHEDULE_UID, "name": "PF Fees", "tiers": tiers}
        return self.ok({"feeSchedules": [schedule]})

    async def _fee_volumes(self, request: web.Request, p: Params) -> web.Response:
        with self.book.lock:
            volume = sum((t.qty * t.price for t in self.book.trades), Decimal(0))
        return self.ok({"volumesByFeeSchedule": {FEE_SCHEDULE_UID: float(volume)}})

    # ---- account -------------------------------------------------------------------------------

    async def _accounts(self, request: web.Request, p: Params) -> web.Response:
        book = self.book
        with book.lock:
            upnl = book.total_unrealized()
            available = book.available()
            wallet = book.wallet
            margin = sum((book.position_margin(s) for s in book.positions), Decimal(0))
        equity = wallet + upnl
        flex = {
            "type": "multiCollateralMarginAccount",
            "currencies": {
                "USD": {
                    "quantity": float(wallet),
                    "value": float(wallet),
                    "collateral": float(wallet),
                    "available": float(available),
                }
            },
            "initialMargin": float(margin),
            "initialMarginWithOrders": float(margin + book.order_margin()),
            "maintenanceMargin": float(margin / 2),
            "balanceValue": float(wallet),
            "portfolioValue": float(equity),
            "collateralValue": float(equity),
            "pnl": float(upnl),
            "unrealizedFunding": 0.0,
            "totalUnrealized": float(upnl),
            "totalUnrealizedAsMargin": float(upnl),
            "availableMargin": float(available),
            "marginEquity": float(equity),
        }
        cash = {"type": "cashAccount", "balances": {"usd": 0.0}}
        return self.ok({"accounts": {"cash": cash, "flex": flex}})

    def _position_row(self, pos: BookPosition) -> dict[str, Any]:
        rules = self.book.rules[pos.symbol]
        return {
            "side": "long" if pos.size > 0 else "short",
            "symbol": self.kraken_symbol(rules),
            "price": float(pos.entry),
            "fillTime": iso_ms(pos.updated_ms),
            "size": float(abs(pos.size)),
            "unrealizedFunding": 0.0,
            "pnlCurrency": "USD",
        }

    async def _open_positions(self, request: web.Request, p: Params) -> web.Response:
        with self.book.lock:
            rows = [
                self._position_row(self.book.position(s))
                for s, pos in self.book.positions.items()
                if pos.size != 0
            ]
        return self.ok({"openPositions": rows})

    async def _leverage_get(self, request: web.Request, p: Params) -> web.Response:
        rows = [
            {"symbol": self.kraken_symbol(self.book.rules[s]), "maxLeverage": float(lev)}
            for s, lev in self.book.leverage.items()
        ]
        return self.ok({"leveragePreferences": rows})

    async def _leverage_put(self, request: web.Request, p: Params) -> web.Response:
        rules = self._rules_for(p.get("symbol"))
        try:
            leverage = int(Decimal(str(p.get("maxLeverage"))))
        except ArithmeticError:
            return self.fail("invalidArgument: maxLeverage")
        try:
            self.book.set_leverage(rules.symbol, leverage)
        except Reject:
            return self.fail("invalidArgument: maxLeverage")
        return self.ok({})

    # ---- orders --------------------------------------------------------------------------------

    def _order_type(self, order: BookOrder) -> str:
        if order.type == "MARKET":
            return "mkt"
        if order.post_only:
            return "post"
        return "ioc" if order.tif == "IOC" else "lmt"

    def _order_json(self, order: BookOrder, *, filled: Decimal | None = None) -> dict[str, Any]:
        """The `order` object of Kraken's order events."""
        return {
            "orderId": order_uuid(order.order_id),
            "cliOrdId": order.client_id or None,
            "type": self._order_type(order),
            "symbol": self.kraken_symbol(self.book.rules[order.symbol]),
            "side": order.side.lower(),
            "quantity": float(order.qty),
            "filled": float(order.executed_qty if filled is None else filled),
            "limitPrice": float(order.price) if order.price is not None else None,
            "reduceOnly": order.reduce_only,
            "timestamp": iso_ms(order.created_ms),
            "lastUpdateTimestamp": iso_ms(order.updated_ms),
        }

    def _trigger_json(self, t: Trigger) -> dict[str, Any]:
        """The `orderTrigger` object of a trigger order's placement event."""
        return {
            "uid": order_uuid(t.trigger_id),
            "clientId": t.client_id or None,
            "type": "stop" if t.kind == "STOP" else "take_profit",
            "symbol": self.kraken_symbol(self.book.rules[t.symbol]),
            "side": t.side.lower(),
            "quantity": float(t.qty),
            "limitPrice": float(t.price) if t.price is not None else None,
            "triggerPrice": float(t.trigger_price),
            "triggerSide": "trigger_above" if t.direction > 0 else "trigger_below",
            "triggerSignal": f"{t.watch}_price",
            "reduceOnly": t.reduce_only,
            "timestamp": iso_ms(t.created_ms),
            "lastUpdateTimestamp": iso_ms(t.updated_ms),
        }

    def _events(self, order: BookOrder) -> list[dict[str, Any]]:
        """A placement's orderEvents: the resting order, or one EXECUTION per fill."""
        with self.book.lock:
            trades = [t for t in self.book.trades if t.order_id == order.order_id]
        if not trades:
            return [{"order": self._order_json(order), "reduceQuantity": "", "type": "PLACE"}]
        events = []
        done = Decimal(0)
        for t in trades:
            events.append(
                {
                    "executionId": str(uuid.UUID(int=t.trade_id)),
                    "price": float(t.price),
                    "amount": float(t.qty),
                    "orderPriorEdit": None,
                    "orderPriorExecution": self._order_json(order, filled=done),
                    "takerReducedQuantity": None,
                    "type": "EXECUTION",
                }
            )
            done += t.qty
        return events

    def _send_status(self, status: str, p: Params, **extra: Any) -> dict[str, Any]:
        return {
            "status": status,
            "receivedTime": iso_ms(self.clock()),
            "cliOrdId": p.get("cliOrdId"),
            **extra,
        }

    async def _send_order(self, request: web.Request, p: Params) -> web.Response:
        rules = self._rules_for(p.get("symbol"))
        side = {"buy": "BUY", "sell": "SELL"}.get(str(p.get("side")))
        kind = str(p.get("orderType", ""))
        if side is None or kind not in ("mkt", "lmt", "post", "ioc", "stp", "take_profit"):
            return self.ok({"sendStatus": self._send_status("invalidOrderType", p)})
        try:
            size = Decimal(str(p.get("size", "")))
            limit = Decimal(str(p["limitPrice"])) if p.get("limitPrice") else None
            stop = Decimal(str(p["stopPrice"])) if p.get("stopPrice") else None
        except ArithmeticError:
            return self.ok({"sendStatus": self._send_status("invalidSize", p)})
        client_id = str(p.get("cliOrdId") or "")
        if len(client_id) > 100:
            return self.ok({"sendStatus": self._send_status("clientOrderIdTooLong", p)})
        reduce_only = str(p.get("reduceOnly", "false")).lower() == "true"
        try:
            if kind in ("stp", "take_profit"):
                signal = str(p.get("triggerSignal", "last"))
                if stop is None or signal not in ("mark", "last", "spot"):
                    return self.ok({"sendStatus": self._send_status("invalidPrice", p)})
                if size % rules.step != 0 or size <= 0:
                    raise Reject("qty_precision", str(size))
                if any(o.client_id == client_id for o in self.book.orders) and client_id:
                    raise Reject("duplicate_client_id", client_id)
                trigger = self.triggers.add(
                    client_id=client_id,
                    symbol=rules.symbol,
                    side=side,  # type: ignore[arg-type]
                    kind="STOP" if kind == "stp" else "TAKE_PROFIT",
                    qty=size,
                    trigger_price=stop,
                    watch="mark" if signal == "mark" else "last",
                    # A stop fires moving against the position it reduces, a take-profit with it.
                    direction=(1 if side == "BUY" else -1) * (1 if kind == "stp" else -1),
                    price=limit,
                    reduce_only=True,
                    unique="all",
                )
                event = {
                    "orderTrigger": self._trigger_json(trigger),
                    "type": "PLACE",
                }
                status = self._send_status(
                    "placed", p, order_id=order_uuid(trigger.trigger_id), orderEvents=[event]
                )
                return await self._after_submit(self.ok({"sendStatus": status}))
            if size % rules.step != 0:
                raise Reject("qty_precision", str(size))
            if client_id and any(t.client_id == client_id for t in self.triggers.items):
                raise Reject("duplicate_client_id", client_id)
            with self.book.lock:
                order = self.book.place(
                    symbol=rules.symbol,
                    side=side,  # type: ignore[arg-type]
                    type="MARKET" if kind == "mkt" else "LIMIT",
                    qty=size,
                    price=limit if kind != "mkt" else None,
                    tif="IOC" if kind == "ioc" else "GTC",
                    reduce_only=reduce_only,
                    post_only=kind == "post",
                    client_id=client_id,
                )
                events = self._events(order)
        except Reject as reject:
            status = SEND_STATUS.get(reject.kind, "invalidArgument")
            return self.ok({"sendStatus": self._send_status(status, p, orderEvents=[])})
        if order.status == "EXPIRED" and not order.executed_qty:
            # An IOC that found nothing: Kraken says so instead of placing it.
            status = self._send_status("iocWouldNotExecute", p, order_id=order_uuid(order.order_id))
            return await self._after_submit(self.ok({"sendStatus": status}))
        status = self._send_status(
            "placed", p, order_id=order_uuid(order.order_id), orderEvents=events
        )
        return await self._after_submit(self.ok({"sendStatus": status}))

    def _cancel_one(self, order_id: str | None, client_id: str | None) -> dict[str, Any]:
        """One cancellation's status, as cancelorder's `cancelStatus` / batchorder's rows."""
        wanted = book_id(order_id) if order_id else None
        with self.book.lock:
            order = next(
                (
                    o
                    for o in reversed(self.book.orders)
                    if (wanted is not None and o.order_id == wanted)
                    or (client_id and o.client_id == client_id)
                ),
                None,
            )
            trigger = next(
                (
                    t
                    for t in reversed(self.triggers.items)
                    if (wanted is not None and t.trigger_id == wanted)
                    or (client_id and t.client_id == client_id)
                ),
                None,
            )
            now = iso_ms(self.clock())
            if trigger is not None and trigger.is_open:
                self.triggers.cancel(trigger.symbol, trigger_id=trigger.trigger_id)
                return {
                    "status": "cancelled",
                    "order_id": order_uuid(trigger.trigger_id),
                    "cliOrdId": trigger.client_id or None,
                    "receivedTime": now,
                    "orderEvents": [
                        {
                            "uid": order_uuid(trigger.trigger_id),
                            "orderTrigger": self._trigger_json(trigger),
                            "type": "CANCEL",
                        }
                    ],
                }
            if order is None:
                return {"status": "notFound", "receivedTime": now, "cliOrdId": client_id}
            if not order.is_open:
                status = "filled" if order.status == "FILLED" else "notFound"
                return {
                    "status": status,
                    "order_id": order_uuid(order.order_id),
                    "cliOrdId": order.client_id or None,
                    "receivedTime": now,
                }
            self.book.cancel(order.symbol, order_id=order.order_id)
            return {
                "status": "cancelled",
                "order_id": order_uuid(order.order_id),
                "cliOrdId": order.client_id or None,
                "receivedTime": now,
                "orderEvents": [
                    {
                        "uid": order_uuid(order.order_id),
                        "order": self._order_json(order),
                        "type": "CANCEL",
                    }
                ],
            }

    async def _cancel_order(self, request: web.Request, p: Params) -> web.Response:
        if not (p.get("order_id") or p.get("cliOrdId")):
            return self.fail("requiredArgumentMissing")
        status = self._cancel_one(p.get("order_id"), p.get("cliOrdId"))
        return await self._after_cancel(self.ok({"cancelStatus": status}))

    async def _batch_order(self, request: web.Request, p: Params) -> web.Response:
        batch = (p.get("json") or {}).get("batchOrder")
        if not isinstance(batch, list) or not batch:
            return self.fail("requiredArgumentMissing")
        rows = []
        for item in batch:
            if not isinstance(item, dict) or item.get("order") != "cancel":
                # The loopback does cancellations only in a batch.
                return self.fail("invalidArgument: order")
            row = self._cancel_one(item.get("order_id"), item.get("cliOrdId"))
            rows.append({k: v for k, v in row.items() if k != "receivedTime"})
        return await self._after_cancel(self.ok({"batchStatus": rows}))

    def _open_row(self, order: BookOrder) -> dict[str, Any]:
        return {
            "order_id": order_uuid(order.order_id),
            "cliOrdId": order.client_id or None,
            "symbol": self.kraken_symbol(self.book.rules[order.symbol]).lower(),
            "side": order.side.lower(),
            "orderType": "lmt" if not order.post_only else "post",
            "limitPrice": float(order.price) if order.price is not None else None,
            "unfilledSize": float(order.qty - order.executed_qty),
            "receivedTime": iso_ms(order.created_ms),
            "status": "partiallyFilled" if order.executed_qty else "untouched",
            "filledSize": float(order.executed_qty),
            "reduceOnly": order.reduce_only,
            "lastUpdateTime": iso_ms(order.updated_ms),
        }

    def _open_trigger_row(self, t: Trigger) -> dict[str, Any]:
        return {
            "order_id": order_uuid(t.trigger_id),
            "cliOrdId": t.client_id or None,
            "symbol": self.kraken_symbol(self.book.rules[t.symbol]).lower(),
            "side": t.side.lower(),
            "orderType": "stop" if t.kind == "STOP" else "take_profit",
            "limitPrice": float(t.price) if t.price is not None else None,
            "stopPrice": float(t.trigger_price),
            "unfilledSize": float(t.qty),
            "receivedTime": iso_ms(t.created_ms),
            "status": "untouched",
            "filledSize": 0.0,
            "reduceOnly": True,
            "lastUpdateTime": iso_ms(t.updated_ms),
            "triggerSignal": f"{t.watch}_price",
        }

    async def _open_orders(self, request: web.Request, p: Params) -> web.Response:
        with self.book.lock:
            rows = [self._open_row(o) for o in self.book.orders if o.is_open]
            rows += [self._open_trigger_row(t) for t in self.triggers.open()]
        return self.ok({"openOrders": rows})

    def _status_row(self, order: BookOrder | None, t: Trigger | None) -> dict[str, Any]:
        """One row of orders/status: the order and its state in Kraken's words."""
        if t is not None and (t.is_open or t.child is None):
            state = {"NEW": "TRIGGER_PLACED", "CANCELED": "CANCELLED", "REJECTED": "REJECTED"}
            return {
                "order": {
                    "type": "TRIGGER_ORDER",
                    "orderId": order_uuid(t.trigger_id),
                    "cliOrdId": t.client_id or None,
                    "symbol": self.kraken_symbol(self.book.rules[t.symbol]),
                    "side": t.side.lower(),
                    "quantity": num(t.qty),
                    "filled": "0",
                    "limitPrice": num(t.price) if t.price is not None else None,
                    "reduceOnly": True,
                    "timestamp": iso_ms(t.created_ms),
                    "lastUpdateTimestamp": iso_ms(t.updated_ms),
                    "priceTriggerOptions": {
                        "triggerPrice": num(t.trigger_price),
                        "triggerSide": "TRIGGER_ABOVE" if t.direction > 0 else "TRIGGER_BELOW",
                        "triggerSignal": f"{t.watch.upper()}_PRICE",
                    },
                    "triggerTime": None,
                },
                "status": state.get(t.status, "TRIGGER_PLACED"),
                "updateReason": None,
                "error": None,
            }
        assert order is not None
        if order.status == "FILLED":
            state = "FULLY_EXECUTED"
        elif order.status in ("CANCELED", "EXPIRED"):
            state = "CANCELLED"
        else:
            state = "ENTERED_BOOK"
        return {
            "order": {
                "type": "ORDER",
                "orderId": order_uuid(order.order_id),
                "cliOrdId": order.client_id or None,
                "symbol": self.kraken_symbol(self.book.rules[order.symbol]),
                "side": order.side.lower(),
                "quantity": num(order.qty),
                "filled": num(order.executed_qty),
                "limitPrice": num(order.price) if order.price is not None else None,
                "reduceOnly": order.reduce_only,
                "timestamp": iso_ms(order.created_ms),
                "lastUpdateTimestamp": iso_ms(order.updated_ms),
            },
            "status": state,
            "updateReason": None,
            "error": None,
        }

    async def _orders_status(self, request: web.Request, p: Params) -> web.Response:
        ids = {book_id(i) for i in p.get("orderIds", [])} - {None}
        cids = set(p.get("cliOrdIds", []))
        rows = []
        if not self.faults.take_hidden_lookup():
            with self.book.lock:
                for t in self.triggers.items:
                    if t.trigger_id in ids or (t.client_id and t.client_id in cids):
                        child = t.child
                        rows.append(self._status_row(child, t))
                trigger_ids = {t.trigger_id for t in self.triggers.items}
                for o in self.book.orders:
                    if o.order_id in trigger_ids:
                        continue  # a fired trigger: reported above under its own id
                    if o.order_id in ids or (o.client_id and o.client_id in cids):
                        rows.append(self._status_row(o, None))
        return self.ok({"orders": rows})

    async def _fills(self, request: web.Request, p: Params) -> web.Response:
        # The newest 100 fills of the account (all contracts), newest first; `lastFillTime`
        # pages back.
        last = p.get("lastFillTime")
        with self.book.lock:
            trades = list(self.book.trades)
        if last:
            stamp = datetime.datetime.strptime(str(last), "%Y-%m-%dT%H:%M:%S.%fZ")
            bound = int(stamp.replace(tzinfo=datetime.UTC).timestamp() * 1000)
            trades = [t for t in trades if t.time_ms < bound]
        rows = []
        for t in reversed(trades[-100:]):
            rows.append(
                {
                    "fill_id": str(uuid.UUID(int=t.trade_id)),
                    "symbol": self.kraken_symbol(self.book.rules[t.symbol]).lower(),
                    "side": t.side.lower(),
                    "order_id": order_uuid(t.order_id),
                    "cliOrdId": t.client_id or None,
                    "size": float(t.qty),
                    "price": float(t.price),
                    "fillTime": iso_ms(t.time_ms),
                    "fillType": "maker" if t.maker else "taker",
                }
            )
        return self.ok({"fills": rows})

    async def _account_log(self, request: web.Request, p: Params) -> web.Response:
        since, before = optional_int(p.get("since")), optional_int(p.get("before"))
        count = min(int(p.get("count") or 500), 100_000)
        ascending = p.get("sort") == "asc"
        info = p.get("info")
        rows = []
        if info in (None, "funding rate change"):
            with self.book.lock:
                events = list(self.book.funding)
            for e in events:
                if (since is not None and e.time_ms < since) or (
                    before is not None and e.time_ms > before
                ):
                    continue
                rules = self.book.rules[e.symbol]
                rows.append(
                    {
                        "asset": "usd",
                        "contract": self.kraken_symbol(rules).lower(),
                        "booking_uid": str(uuid.UUID(int=500_000 + e.event_id)),
                        "collateral": None,
                        "date": iso_ms(e.time_ms),
                        "execution": None,
                        "fee": 0,
                        "funding_rate": float(e.rate * e.mark),
                        "id": e.event_id,
                        "info": "funding rate change",
                        "margin_account": "flex",
                        # As Kraken's funding rows show it (ccxt's example): no mark price.
                        "mark_price": None,
                        "new_average_entry_price": None,
                        "new_balance": 0,
                        "old_average_entry_price": None,
                        "old_balance": 0,
                        "realized_funding": float(e.amount),
                        "realized_pnl": None,
                        "trade_price": None,
                        "conversion_spread_percentage": None,
                        "liquidation_fee": None,
                        "position_uid": None,
                    }
                )
        rows.sort(key=lambda r: int(r["id"]), reverse=not ascending)
        return web.json_response(
            {"accountUid": "f92fc7de-2fce-4265-b806-4f3c1efb37ee", "logs": rows[:count]}
        )
