"""A loopback OKX venue speaking the v5 REST wire format for USDT-margined perpetual swaps
(`instType=SWAP`, one-way `net` position mode; long/short after `faults.set_hedge_mode()`) for the
endpoints ccxt's `okx` calls. Signed the way OKX signs: base64(HMAC-SHA256(secret, timestamp +
method + request path (+ `?query`) + body)) in the OK-ACCESS-SIGN header, with OK-ACCESS-KEY,
OK-ACCESS-TIMESTAMP (ISO-8601, ms) and OK-ACCESS-PASSPHRASE. Answers carry `{"code", "msg",
"data"}`; order calls report per-order `sCode`/`sMsg` inside `data` under `code: "1"`, as OKX does.

OKX trades swaps in contracts of `ctVal` base units (BTC-USDT-SWAP: 0.01 BTC). The book keeps base
units; every `sz`, `fillSz`, `accFillSz` and `pos` on the wire is in contracts, so a client that
forgets the contract size is caught. Market rules are the bundled Binance exchangeInfo's,
re-expressed as OKX instruments (lot = Binance step / ctVal)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

from aiohttp import web

from tests.loopback import data, history, market, okx_algo
from tests.loopback.binanceusdm import rules_from_exchange_info
from tests.loopback.book import (
    MAKER_FEE,
    TAKER_FEE,
    Book,
    BookOrder,
    BookPosition,
    Reject,
    Rules,
    now_ms,
)
from tests.loopback.server import LoopbackVenue, optional_int

API_PASSPHRASE = "loopback-passphrase-19ce"
# OKX's contract values for the loopback's listings (base units per contract; USD for inverse).
CONTRACT_VALUES = {"BTCUSDT": Decimal("0.01"), "ETHUSDT": Decimal("0.1"), "BTCUSD": Decimal(100)}
RECV_WINDOW_MS = 30_000
BARS = {"1m": "1m", "3m": "3m", "5m": "5m", "15m": "15m", "30m": "30m", "1H": "1h", "2H": "2h"}
BARS.update({"4H": "4h", "6Hutc": "6h", "12Hutc": "12h", "1Dutc": "1d", "6H": "6h", "1D": "1d"})

# Book rejections -> (sCode, sMsg) as OKX words them.
REJECTS: dict[str, tuple[str, str]] = {
    "insufficient_margin": ("51008", "Order failed. Insufficient USDT margin in account"),
    "qty_precision": ("51121", "Order quantity must be a multiple of the lot size."),
    "price_precision": ("51000", "Parameter px error"),
    "qty_too_small": ("51020", "Order amount should be greater than the min available amount."),
    "qty_not_positive": ("51000", "Parameter sz error"),
    "qty_too_large": ("51202", "Market order amount exceeds the maximum amount."),
    "min_notional": ("51020", "Order amount should be greater than the min available amount."),
    "reduce_only": ("51169", "Order failed because you don't have any positions to reduce."),
    "duplicate_client_id": ("51016", "Duplicated clOrdId"),
    "unknown_symbol": ("51001", "Instrument ID doesn't exist."),
    "not_trading": ("51001", "Instrument ID doesn't exist."),
    "bad_leverage": ("59102", "Leverage exceeds the maximum limit. Try lowering the leverage."),
    "margin_mode_with_position": ("59000", "Settings failed. Close any open positions or orders."),
    "price_missing": ("51000", "Parameter px error"),
    "unknown_order": (
        "51400",
        "Order cancellation failed as the order has been filled, canceled or does not exist.",
    ),
}
STATE = {
    "NEW": "live",
    "PARTIALLY_FILLED": "partially_filled",
    "FILLED": "filled",
    "CANCELED": "canceled",
    # OKX has no "expired": an unfilled IOC/FOK is cancelled.
    "EXPIRED": "canceled",
}
ORD_TYPES = {"market": "MARKET", "limit": "LIMIT", "post_only": "LIMIT", "ioc": "LIMIT"}
ORD_TYPES.update({"fok": "LIMIT", "optimal_limit_ioc": "MARKET"})

Params = dict[str, Any]


def num(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def iso_ms(ms: int) -> str:
    stamp = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class OkxVenue(LoopbackVenue):
    venue = "okx"
    hostnames = ("www.okx.com",)
    api_key_header = "OK-ACCESS-KEY"

    def __init__(self, *, passphrase: str = API_PASSPHRASE, **kwargs: Any) -> None:
        self.passphrase = passphrase
        # Venue symbols (BTCUSDT) the mark-price endpoint leaves out, as for a suspended swap.
        self.unmarked: set[str] = set()
        super().__init__(**kwargs)

    def _make_book(self, balance: Decimal) -> Book:
        rules = {s: r for s, r in rules_from_exchange_info().items() if r.kind == "linear_swap"}
        # One inverse swap, so a client can be told a symbol is listed but not as a linear swap.
        rules["BTCUSD"] = Rules(
            symbol="BTCUSD",
            base="BTC",
            quote="USD",
            tick=Decimal("0.1"),
            step=Decimal(1),
            min_qty=Decimal(1),
            max_qty=Decimal(1_000_000),
            min_notional=Decimal(0),
            max_leverage=100,
            kind="inverse_swap",
        )
        for r in rules.values():
            # OKX has no minimum order value: the minimum is one lot (minSz).
            r.min_notional = Decimal(0)
        prices = {s: data.last_close(s) for s in rules if s in data.CANDLES}
        prices["BTCUSD"] = prices["BTCUSDT"]
        return Book(
            rules=rules,
            prices=prices,
            wallet=balance,
            unique_client_ids="all",
            post_only_policy="cancel",
            clock=self.clock,
        )

    def _venue_symbol(self, symbol: str) -> str:
        """Also accepts OKX's instId (BTC-USDT-SWAP)."""
        if symbol.endswith("-SWAP"):
            base, quote, _ = symbol.split("-")
            return base + quote
        return super()._venue_symbol(symbol)

    # ---- envelope ------------------------------------------------------------------------------

    def ok(self, rows: list[Any]) -> web.Response:
        return web.json_response({"code": "0", "msg": "", "data": rows})

    def fail(self, code: str, msg: str, status: int = 200) -> web.Response:
        return web.json_response({"code": code, "msg": msg, "data": []}, status=status)

    def order_ack(self, p: Params, s_code: str, s_msg: str, order_id: str = "") -> dict[str, str]:
        """One order's outcome inside an order call's `data`."""
        return {
            "clOrdId": str(p.get("clOrdId", "")),
            "ordId": order_id,
            "sCode": s_code,
            "sMsg": s_msg,
            "tag": str(p.get("tag", "")),
            "ts": str(self.clock()),
        }

    def fail_order(self, s_code: str, s_msg: str, p: Params) -> web.Response:
        """An order call that failed: code "1" and the reason per order, as OKX answers."""
        row = self.order_ack(p, s_code, s_msg)
        return web.json_response({"code": "1", "msg": "All operations failed", "data": [row]})

    def _rate_limited(self) -> web.Response:
        return self.fail("50011", "Too Many Requests", status=429)

    def _unknown_status(self) -> web.Response:
        # "Endpoint request timeout. Does not indicate success or failure of order."
        return self.fail("50004", "API endpoint request timeout ", status=200)

    def _routes(self) -> list[web.RouteDef]:
        s = self._signed
        return [
            web.get("/api/v5/public/time", self._time),
            web.get("/api/v5/public/instruments", self._instruments),
            web.get("/api/v5/public/position-tiers", self._position_tiers),
            web.get("/api/v5/public/funding-rate", self._funding_rate),
            web.get("/api/v5/public/funding-rate-history", self._funding_rate_history),
            web.get("/api/v5/public/mark-price", self._mark_price),
            web.get("/api/v5/market/tickers", self._tickers),
            web.get("/api/v5/market/candles", self._candles),
            web.get("/api/v5/market/history-candles", self._candles),
            web.get("/api/v5/market/mark-price-candles", self._candles),
            web.get("/api/v5/market/history-mark-price-candles", self._candles),
            web.get("/api/v5/account/balance", s(self._balance)),
            web.get("/api/v5/account/positions", s(self._positions)),
            web.get("/api/v5/account/leverage-info", s(self._leverage_info)),
            web.post("/api/v5/account/set-leverage", s(self._set_leverage)),
            web.get("/api/v5/account/config", s(self._config)),
            web.get("/api/v5/account/trade-fee", s(self._trade_fee)),
            web.get("/api/v5/account/bills", s(self._bills)),
            web.get("/api/v5/account/bills-archive", s(self._bills)),
            web.post("/api/v5/trade/order", s(self._place_one)),
            web.post("/api/v5/trade/batch-orders", s(self._place_batch)),
            web.post("/api/v5/trade/cancel-order", s(self._cancel)),
            web.get("/api/v5/trade/order", s(self._order)),
            web.get("/api/v5/trade/orders-pending", s(self._pending)),
            web.get("/api/v5/trade/orders-history", s(self._orders_history)),
            web.get("/api/v5/trade/fills", s(self._fills)),
            web.get("/api/v5/trade/fills-history", s(self._fills)),
            *okx_algo.routes(self),
        ]

    # ---- signing -------------------------------------------------------------------------------

    def _reject(self, reject: Reject) -> web.Response:
        code, msg = _reject_code(reject)
        return self.fail(code, msg)

    async def _check_signature(self, request: web.Request) -> Params | web.Response:
        headers = request.headers
        key = headers.get("OK-ACCESS-KEY")
        timestamp = headers.get("OK-ACCESS-TIMESTAMP", "")
        signature = headers.get("OK-ACCESS-SIGN")
        if not key or key != self.api_key:
            return self.fail("50111", "Invalid OK-ACCESS-KEY", status=401)
        if headers.get("OK-ACCESS-PASSPHRASE") != self.passphrase:
            return self.fail("50105", "Invalid OK-ACCESS-PASSPHRASE", status=401)
        try:
            stamp = datetime.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ")
        except ValueError:
            return self.fail("50112", "Invalid OK-ACCESS-TIMESTAMP", status=401)
        body = await request.text()
        path = request.rel_url.raw_path
        query = request.rel_url.raw_query_string
        prehash = timestamp + request.method + path + (f"?{query}" if query else "") + body
        digest = hmac.new(self.api_secret.encode(), prehash.encode(), hashlib.sha256).digest()
        expected = base64.b64encode(digest).decode()
        if not signature or not hmac.compare_digest(expected, signature):
            return self.fail("50113", "Invalid Sign", status=401)
        # Freshness is judged on the wall clock, as the client stamps it (see binanceusdm.py).
        sent = int(stamp.replace(tzinfo=datetime.UTC).timestamp() * 1000)
        if abs(now_ms() - sent) > RECV_WINDOW_MS:
            return self.fail("50102", "Timestamp request expired", status=401)
        if request.method == "GET":
            return dict(request.query)
        try:
            parsed = json.loads(body) if body else {}
        except ValueError:
            return self.fail("50002", "Invalid JSON format")
        return parsed if isinstance(parsed, dict) else {"_list": parsed}

    # ---- helpers -------------------------------------------------------------------------------

    def inst_id(self, rules: Rules) -> str:
        return f"{rules.base}-{rules.quote}-SWAP"

    def ct_val(self, symbol: str) -> Decimal:
        return CONTRACT_VALUES.get(symbol, Decimal(1))

    def contracts(self, symbol: str, base: Decimal) -> str:
        return num(base / self.ct_val(symbol))

    def _rules_for(self, inst_id: str | None) -> Rules:
        if not inst_id or not inst_id.endswith("-SWAP"):
            raise Reject("unknown_symbol", str(inst_id))
        return self.book.rule(self._venue_symbol(inst_id))

    def _swap_rules(self, p: Params) -> list[Rules]:
        wanted = p.get("instId")
        ids = set(str(wanted).split(",")) if wanted else None
        return [r for r in self.book.rules.values() if ids is None or self.inst_id(r) in ids]

    # ---- public --------------------------------------------------------------------------------

    async def _time(self, request: web.Request) -> web.Response:
        return self.ok([{"ts": str(self.clock())}])

    def _instrument(self, rules: Rules) -> dict[str, Any]:
        linear = rules.kind == "linear_swap"
        ct_val = self.ct_val(rules.symbol)
        lot = rules.step / ct_val
        family = f"{rules.base}-{rules.quote}"
        return {
            "alias": "",
            "baseCcy": "",
            "category": "1",
            "ctMult": "1",
            "ctType": "linear" if linear else "inverse",
            "ctVal": num(ct_val),
            "ctValCcy": rules.base if linear else rules.quote,
            "expTime": "",
            "instFamily": family,
            "instId": self.inst_id(rules),
            "instType": "SWAP",
            "lever": str(rules.max_leverage),
            "listTime": "1573557408000",
            "contTdSwTime": "1573557408000",
            "lotSz": num(lot),
            "maxIcebergSz": "100000000",
            "maxLmtAmt": "20000000",
            "maxLmtSz": num(rules.max_qty / ct_val),
            "maxMktAmt": "",
            "maxMktSz": num(rules.max_qty / ct_val),
            "maxStopSz": num(rules.max_qty / ct_val),
            "maxTriggerSz": num(rules.max_qty / ct_val),
            "maxTwapSz": num(rules.max_qty / ct_val),
            "minSz": num(rules.min_qty / ct_val),
            "optType": "",
            "quoteCcy": "",
            "ruleType": "normal",
            "settleCcy": rules.quote if linear else rules.base,
            "state": "live",
            "stk": "",
            "tickSz": num(rules.tick),
            "uly": family,
        }

    async def _instruments(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("instType") != "SWAP":
            # The loopback lists swaps only; other types answer with no instruments.
            return self.ok([])
        rows = [self._instrument(r) for r in self._swap_rules(dict(q))]
        return self.ok(rows)

    async def _position_tiers(self, request: web.Request) -> web.Response:
        q = request.query
        family = q.get("instFamily") or q.get("uly") or ""
        symbol = family.replace("-", "")
        brackets = data.leverage_brackets().get(symbol)
        if q.get("instType") != "SWAP" or symbol not in self.book.rules or brackets is None:
            return self.fail("51000", "Parameter instFamily error")
        # OKX swap tiers bound the position in whole contracts; the Binance brackets bound
        # notional, so they are re-expressed at the bundled last price.
        ref = data.last_close(symbol) * self.ct_val(symbol)
        rows = []
        for b in brackets:
            rows.append(
                {
                    "baseMaxLoan": "",
                    "imr": num(Decimal(1) / Decimal(b["initialLeverage"])),
                    "instFamily": family,
                    "instId": "",
                    "maxLever": str(b["initialLeverage"]),
                    "maxSz": num(round(Decimal(b["notionalCap"]) / ref)),
                    "minSz": num(round(Decimal(b["notionalFloor"]) / ref)),
                    "mmr": b["maintMarginRatio"],
                    "optMgnFactor": "0",
                    "quoteMaxLoan": "",
                    "tier": str(b["bracket"]),
                    "uly": family,
                }
            )
        return self.ok(rows)

    async def _funding_rate(self, request: web.Request) -> web.Response:
        rules = self._rules_for(request.query.get("instId"))
        now = self.clock()
        rate = num(market.last_funding_rate(self.book, rules.symbol))
        return self.ok(
            [
                {
                    "formulaType": "withRate",
                    "fundingRate": rate,
                    "fundingTime": str(market.next_funding_time(now)),
                    "impactValue": "",
                    "instId": self.inst_id(rules),
                    "instType": "SWAP",
                    "interestRate": "0.0001",
                    "maxFundingRate": "0.00375",
                    "method": "current_period",
                    "minFundingRate": "-0.00375",
                    "nextFundingRate": "",
                    "nextFundingTime": str(market.next_funding_time(now) + 28_800_000),
                    "premium": "0",
                    "settFundingRate": rate,
                    "settState": "settled",
                    "ts": str(now),
                }
            ]
        )

    async def _funding_rate_history(self, request: web.Request) -> web.Response:
        q = request.query
        rules = self._rules_for(q.get("instId"))
        before, after = optional_int(q.get("before")), optional_int(q.get("after"))
        limit = min(int(q.get("limit") or 100), 100)
        rows = market.funding_rates(self.book, rules.symbol, None, None, 1_000_000)
        rows = [
            r for r in rows if (before is None or r[0] > before) and (after is None or r[0] < after)
        ]
        # Newest first; with only `before`, the records next to it (the oldest newer ones).
        chosen = rows[:limit] if before is not None and after is None else rows[-limit:]
        listed = [
            {
                "formulaType": "withRate",
                "fundingRate": num(rate),
                "fundingTime": str(t),
                "instId": self.inst_id(rules),
                "instType": "SWAP",
                "method": "current_period",
                "realizedRate": num(rate),
            }
            for t, rate, _ in reversed(chosen)
        ]
        return self.ok(listed)

    async def _mark_price(self, request: web.Request) -> web.Response:
        now = str(self.clock())
        rows = [
            {
                "instId": self.inst_id(r),
                "instType": "SWAP",
                "markPx": num(self.triggers.mark(r.symbol)),
                "ts": now,
            }
            for r in self._swap_rules(dict(request.query))
            if r.symbol not in self.unmarked
        ]
        return self.ok(rows)

    async def _tickers(self, request: web.Request) -> web.Response:
        now = str(self.clock())
        rows = []
        for r in self._swap_rules(dict(request.query)):
            last = num(self.book.prices[r.symbol])
            rows.append(
                {
                    "instType": "SWAP",
                    "instId": self.inst_id(r),
                    "last": last,
                    "lastSz": "1",
                    "askPx": last,
                    "askSz": "1",
                    "bidPx": num(self.book.prices[r.symbol] - r.tick),
                    "bidSz": "1",
                    "open24h": last,
                    "high24h": last,
                    "low24h": last,
                    "volCcy24h": "0",
                    "vol24h": "0",
                    "ts": now,
                    "sodUtc0": last,
                    "sodUtc8": last,
                }
            )
        return self.ok(rows)

    async def _candles(self, request: web.Request) -> web.Response:
        # Trade and mark candles, with the download tests' holes and faults (history.py).
        return await history.okx_candles(self, request)

    # ---- account -------------------------------------------------------------------------------

    async def _balance(self, request: web.Request, p: Params) -> web.Response:
        book = self.book
        with book.lock:
            upnl = book.total_unrealized()
            available = book.available()
            wallet = book.wallet
            imr = sum((book.position_margin(s) for s in book.positions), Decimal(0))
            frozen = book.order_margin()
        equity = wallet + upnl
        now = str(self.clock())
        detail = {
            "availBal": num(available),
            "availEq": num(available),
            "borrowFroz": "",
            "cashBal": num(wallet),
            "ccy": book.asset,
            "crossLiab": "",
            "disEq": num(equity),
            "eq": num(equity),
            "eqUsd": num(equity),
            "fixedBal": "0",
            "frozenBal": num(equity - available),
            "imr": num(imr),
            "interest": "",
            "isoEq": "0",
            "isoLiab": "",
            "isoUpl": "0",
            "liab": "",
            "maxLoan": "",
            "mgnRatio": "",
            "mmr": "0",
            "notionalLever": "",
            "ordFrozen": num(frozen),
            "spotInUseAmt": "",
            "stgyEq": "0",
            "twap": "0",
            "uTime": now,
            "upl": num(upnl),
            "uplLiab": "",
        }
        account = {
            "adjEq": num(equity),
            "borrowFroz": "",
            "details": [detail],
            "imr": num(imr),
            "isoEq": "0",
            "mgnRatio": "",
            "mmr": "0",
            "notionalUsd": "0",
            "ordFroz": num(frozen),
            "totalEq": num(equity),
            "uTime": now,
            "upl": num(upnl),
        }
        return self.ok([account])

    def _position_row(self, pos: BookPosition) -> dict[str, Any]:
        book = self.book
        rules = book.rules[pos.symbol]
        mark = self.triggers.mark(pos.symbol)
        leverage = book.leverage_of(pos.symbol)
        move = Decimal(1) / leverage - Decimal("0.004")
        liq = pos.entry * (1 - move) if pos.size > 0 else pos.entry * (1 + move)
        contracts = self.contracts(pos.symbol, pos.size)
        return {
            "adl": "1",
            "availPos": contracts.lstrip("-"),
            "avgPx": num(pos.entry),
            "cTime": str(pos.updated_ms),
            "ccy": book.asset,
            "deltaBS": "",
            "deltaPA": "",
            "gammaBS": "",
            "gammaPA": "",
            "imr": num(book.position_margin(pos.symbol)),
            "instId": self.inst_id(rules),
            "instType": "SWAP",
            "interest": "",
            "idxPx": num(mark),
            "last": num(book.prices[pos.symbol]),
            "lever": str(leverage),
            "liab": "",
            "liabCcy": "",
            "liqPx": num(liq.quantize(rules.tick)),
            "margin": "",
            "markPx": num(mark),
            "mgnMode": book.margin_mode_of(pos.symbol),
            "mgnRatio": "",
            "mmr": "0",
            "notionalUsd": num(abs(pos.size) * mark),
            "optVal": "",
            "pos": contracts,
            "posCcy": "",
            "posId": str(1_000_000 + sorted(book.rules).index(pos.symbol)),
            "posSide": "net",
            "realizedPnl": "0",
            "thetaBS": "",
            "thetaPA": "",
            "tradeId": "",
            "uTime": str(pos.updated_ms),
            "upl": num(book.unrealized(pos.symbol)),
            "uplRatio": "0",
            "vegaBS": "",
            "vegaPA": "",
        }

    async def _positions(self, request: web.Request, p: Params) -> web.Response:
        if p.get("instType") not in (None, "SWAP"):
            return self.ok([])
        wanted = {self.inst_id(r) for r in self._swap_rules(p)}
        with self.book.lock:
            rows = [
                self._position_row(self.book.position(s))
                for s, pos in self.book.positions.items()
                if pos.size != 0 and self.inst_id(self.book.rules[s]) in wanted
            ]
        return self.ok(rows)

    async def _leverage_info(self, request: web.Request, p: Params) -> web.Response:
        rules = self._rules_for(p.get("instId"))
        mode = str(p.get("mgnMode", "cross"))
        row = {
            "instId": self.inst_id(rules),
            "mgnMode": mode,
            "posSide": "net",
            "lever": str(self.book.leverage_of(rules.symbol)),
        }
        return self.ok([row])

    async def _set_leverage(self, request: web.Request, p: Params) -> web.Response:
        rules = self._rules_for(p.get("instId"))
        mode = str(p.get("mgnMode", ""))
        if mode not in ("cross", "isolated"):
            return self.fail("51000", "Parameter mgnMode error")
        try:
            leverage = int(Decimal(str(p.get("lever", ""))))
        except ArithmeticError:
            return self.fail("51000", "Parameter lever error")
        # The loopback keeps one margin mode per instrument: orders' tdMode must follow it.
        self.book.set_margin_mode(rules.symbol, mode)
        self.book.set_leverage(rules.symbol, leverage)
        row = {"instId": self.inst_id(rules), "lever": str(leverage), "mgnMode": mode}
        row["posSide"] = str(p.get("posSide", "net"))
        return self.ok([row])

    async def _config(self, request: web.Request, p: Params) -> web.Response:
        return self.ok(
            [
                {
                    "acctLv": "2",
                    "autoLoan": False,
                    "ctIsoMode": "automatic",
                    "greeksType": "PA",
                    "level": "Lv1",
                    "levelTmp": "",
                    "mgnIsoMode": "automatic",
                    "posMode": "long_short_mode" if self.faults.hedge_mode else "net_mode",
                    "uid": "44705892343619584",
                }
            ]
        )

    async def _trade_fee(self, request: web.Request, p: Params) -> web.Response:
        if p.get("instType") != "SWAP":
            return self.fail("51000", "Parameter instType error")
        # OKX reports rates as signed changes to the account: a fee charged is negative.
        maker, taker = num(-MAKER_FEE), num(-TAKER_FEE)
        return self.ok(
            [
                {
                    "category": "1",
                    "delivery": "",
                    "exercise": "",
                    "instType": "SWAP",
                    "level": "Lv1",
                    "maker": maker,
                    "makerU": maker,
                    "makerUSDC": maker,
                    "taker": taker,
                    "takerU": taker,
                    "takerUSDC": taker,
                    "ts": str(self.clock()),
                }
            ]
        )

    async def _bills(self, request: web.Request, p: Params) -> web.Response:
        begin, end = optional_int(p.get("begin")), optional_int(p.get("end"))
        limit = min(int(p.get("limit") or 100), 100)
        inst = p.get("instId")
        rows: list[dict[str, Any]] = []
        if p.get("type") in (None, "8"):
            with self.book.lock:
                events = list(self.book.funding)
            for e in events:
                rules = self.book.rules[e.symbol]
                if inst not in (None, self.inst_id(rules)):
                    continue
                if (begin is not None and e.time_ms < begin) or (
                    end is not None and e.time_ms > end
                ):
                    continue
                rows.append(
                    {
                        "bal": "0",
                        "balChg": num(e.amount),
                        "billId": str(700_000_000_000 + e.event_id),
                        "ccy": self.book.asset,
                        "clOrdId": "",
                        "execType": "",
                        "fee": "0",
                        "fillTime": str(e.time_ms),
                        "from": "",
                        "instId": self.inst_id(rules),
                        "instType": "SWAP",
                        "interest": "0",
                        "mgnMode": self.book.margin_mode_of(e.symbol),
                        "notes": "",
                        "ordId": "",
                        "pnl": num(e.amount),
                        "posBal": "0",
                        "posBalChg": "0",
                        # The mark price the payment was settled at.
                        "px": num(e.mark),
                        "subType": "174" if e.amount >= 0 else "173",
                        "sz": self.contracts(e.symbol, abs(e.position_size)),
                        "tag": "",
                        "to": "",
                        "tradeId": "",
                        "ts": str(e.time_ms),
                        "type": "8",
                    }
                )
        rows.sort(key=lambda r: int(r["ts"]), reverse=True)
        return self.ok(rows[:limit])

    # ---- orders --------------------------------------------------------------------------------

    # The order a fired algo order places has no clOrdId; it names the algo order instead.
    _child_client_id = staticmethod(okx_algo.child_client_id)

    def _order_row(self, order: BookOrder) -> dict[str, Any]:
        rules = self.book.rules[order.symbol]
        parent = okx_algo.parent_of(self, order)
        if order.type == "MARKET":
            ord_type = "market"
        elif order.post_only:
            ord_type = "post_only"
        else:
            ord_type = {"IOC": "ioc", "FOK": "fok"}.get(order.tif, "limit")
        trades = [t for t in self.book.trades if t.order_id == order.order_id]
        # Every fill is a book trade; no trades is a fee of 0 (not -0).
        fee = -sum((t.fee for t in trades), Decimal(0)) if trades else Decimal(0)
        return {
            "accFillSz": self.contracts(order.symbol, order.executed_qty),
            "algoClOrdId": "" if parent is None else parent.client_id,
            "algoId": "" if parent is None else str(parent.trigger_id),
            "attachAlgoClOrdId": "",
            "attachAlgoOrds": [],
            "avgPx": num(order.avg_price) if order.executed_qty else "",
            "cTime": str(order.created_ms),
            "cancelSource": "",
            "category": "normal",
            "ccy": "",
            "clOrdId": order.client_id,
            "fee": num(fee),
            "feeCcy": self.book.asset,
            "fillPx": num(trades[-1].price) if trades else "",
            "fillSz": self.contracts(order.symbol, trades[-1].qty) if trades else "0",
            "fillTime": str(trades[-1].time_ms) if trades else "",
            "instId": self.inst_id(rules),
            "instType": "SWAP",
            "isTpLimit": "false",
            "lever": str(self.book.leverage_of(order.symbol)),
            "ordId": str(order.order_id),
            "ordType": ord_type,
            "pnl": "0",
            "posSide": "net",
            "px": "" if order.price is None else num(order.price),
            "pxType": "",
            "pxUsd": "",
            "pxVol": "",
            "quickMgnType": "",
            "rebate": "0",
            "rebateCcy": self.book.asset,
            "reduceOnly": "true" if order.reduce_only else "false",
            "side": order.side.lower(),
            "slOrdPx": "",
            "slTriggerPx": "",
            "slTriggerPxType": "",
            "source": "",
            "state": STATE[order.status],
            "stpId": "",
            "stpMode": "cancel_maker",
            "sz": self.contracts(order.symbol, order.qty),
            "tag": "",
            "tdMode": self.book.margin_mode_of(order.symbol),
            "tgtCcy": "",
            "tpOrdPx": "",
            "tpTriggerPx": "",
            "tpTriggerPxType": "",
            "tradeId": str(trades[-1].trade_id) if trades else "",
            "uTime": str(order.updated_ms),
        }

    def _place(self, p: Params) -> BookOrder:
        rules = self._rules_for(p.get("instId"))
        side = {"buy": "BUY", "sell": "SELL"}.get(str(p.get("side")))
        ord_type = str(p.get("ordType", ""))
        type_ = ORD_TYPES.get(ord_type)
        if side is None:
            raise Reject("bad_param", "Parameter side error")
        if type_ is None:
            raise Reject("bad_param", "Parameter ordType error")
        mode = str(p.get("tdMode", ""))
        if mode not in ("cross", "isolated"):
            raise Reject("bad_param", "Parameter tdMode error")
        # Net mode takes no posSide (or "net"); long/short mode wants "long" or "short".
        pos_sides = ("long", "short") if self.faults.hedge_mode else (None, "", "net")
        if p.get("posSide") not in pos_sides:
            raise Reject("bad_param", "Parameter posSide error")
        try:
            contracts = Decimal(str(p.get("sz", "")))
            price = Decimal(str(p["px"])) if p.get("px") not in (None, "") else None
        except ArithmeticError:
            raise Reject("bad_param", "Parameter sz error") from None
        lot = rules.step / self.ct_val(rules.symbol)
        if contracts > 0 and contracts % lot != 0:
            raise Reject("qty_precision", str(contracts))
        client_id = str(p.get("clOrdId") or "")
        if client_id and not (client_id.isalnum() and client_id.isascii() and len(client_id) <= 32):
            raise Reject("bad_param", "Parameter clOrdId error")
        with self.book.lock:
            if self.book.margin_mode_of(rules.symbol) != mode:
                # Flat: the order's tdMode decides; holding a position in the other mode: refused.
                self.book.set_margin_mode(rules.symbol, mode)
            tif = {"ioc": "IOC", "fok": "FOK", "optimal_limit_ioc": "IOC"}.get(ord_type, "GTC")
            return self.book.place(
                symbol=rules.symbol,
                side=side,  # type: ignore[arg-type]
                type=type_,  # type: ignore[arg-type]
                qty=contracts * self.ct_val(rules.symbol),
                price=price if type_ == "LIMIT" else None,
                tif=tif,
                reduce_only=str(p.get("reduceOnly", "false")).lower() == "true",
                post_only=ord_type == "post_only",
                client_id=client_id,
            )

    async def _place_rows(self, requests: list[Params]) -> web.Response:
        rows = []
        failed = 0
        for p in requests:
            try:
                order = self._place(p)
            except Reject as reject:
                code, msg = _reject_code(reject)
                failed += 1
                rows.append(self.order_ack(p, code, msg))
                continue
            rows.append(self.order_ack(p, "0", "Order placed", str(order.order_id)))
        code = "0" if not failed else ("1" if failed == len(rows) else "2")
        msg = "" if not failed else "All operations failed"
        response = web.json_response(
            {"code": code, "msg": msg, "data": rows, "inTime": "", "outTime": ""}
        )
        return await self._after_submit(response)

    async def _place_one(self, request: web.Request, p: Params) -> web.Response:
        return await self._place_rows([p])

    async def _place_batch(self, request: web.Request, p: Params) -> web.Response:
        batch = p.get("_list")
        if not isinstance(batch, list) or not batch or len(batch) > 20:
            return self.fail("51000", "Parameter batch error")
        return await self._place_rows([dict(x) for x in batch])

    async def _cancel(self, request: web.Request, p: Params) -> web.Response:
        rules = self._rules_for(p.get("instId"))
        order_id = p.get("ordId")
        try:
            order = self.book.cancel(
                rules.symbol,
                order_id=int(order_id) if order_id else None,
                client_id=p.get("clOrdId") or None,
            )
        except Reject as reject:
            code, msg = _reject_code(reject)
            return self.fail_order(code, msg, p)
        row = {
            "clOrdId": order.client_id,
            "ordId": str(order.order_id),
            "sCode": "0",
            "sMsg": "",
            "ts": str(self.clock()),
        }
        return await self._after_cancel(self.ok([row]))

    async def _order(self, request: web.Request, p: Params) -> web.Response:
        rules = self._rules_for(p.get("instId"))
        order_id, client_id = p.get("ordId"), p.get("clOrdId")
        if not (order_id or client_id):
            return self.fail("51000", "Parameter ordId error")
        order = None
        if not self.faults.take_hidden_lookup():
            order = self.book.find(
                rules.symbol,
                order_id=int(order_id) if order_id else None,
                client_id=None if order_id else client_id,
            )
        if order is None:
            return self.fail("51603", "Order does not exist")
        with self.book.lock:
            return self.ok([self._order_row(order)])

    def _listed(self, p: Params, *, open_only: bool) -> list[BookOrder]:
        wanted = {r.symbol for r in self._swap_rules(p)}
        with self.book.lock:
            rows = [o for o in self.book.orders if o.symbol in wanted and o.is_open == open_only]
        rows.reverse()  # newest first, as OKX lists
        return rows[: min(int(p.get("limit") or 100), 100)]

    async def _pending(self, request: web.Request, p: Params) -> web.Response:
        with self.book.lock:
            return self.ok([self._order_row(o) for o in self._listed(p, open_only=True)])

    async def _orders_history(self, request: web.Request, p: Params) -> web.Response:
        with self.book.lock:
            return self.ok([self._order_row(o) for o in self._listed(p, open_only=False)])

    async def _fills(self, request: web.Request, p: Params) -> web.Response:
        begin, end = optional_int(p.get("begin")), optional_int(p.get("end"))
        limit = min(int(p.get("limit") or 100), 100)
        wanted = {r.symbol for r in self._swap_rules(p)}
        trades = self.book.trades_between(None, begin or 0, end or 2**62, 1_000_000)
        rows = []
        for t in reversed(trades):  # newest first
            if t.symbol not in wanted:
                continue
            rules = self.book.rules[t.symbol]
            rows.append(
                {
                    "side": t.side.lower(),
                    "fillSz": self.contracts(t.symbol, t.qty),
                    "fillPx": num(t.price),
                    "fillPxVol": "",
                    "fillFwdPx": "",
                    "fee": num(-t.fee),
                    "fillPnl": num(t.realized_pnl),
                    "ordId": str(t.order_id),
                    "feeRate": num(-(MAKER_FEE if t.maker else TAKER_FEE)),
                    "instType": "SWAP",
                    "fillPxUsd": "",
                    "instId": self.inst_id(rules),
                    "clOrdId": t.client_id,
                    "posSide": "net",
                    "billId": str(t.trade_id + 900_000_000),
                    "subType": "1" if t.side == "BUY" else "2",
                    "fillMarkVol": "",
                    "tag": "",
                    "fillTime": str(t.time_ms),
                    "execType": "M" if t.maker else "T",
                    "fillIdxPx": num(t.price),
                    "tradeId": str(t.trade_id),
                    "fillMarkPx": num(t.price),
                    "feeCcy": self.book.asset,
                    "ts": str(t.time_ms),
                }
            )
        return self.ok(rows[:limit])


def _reject_code(reject: Reject) -> tuple[str, str]:
    """OKX's code and message for a book refusal; one it has no code for is a generic 51000."""
    return REJECTS.get(reject.kind, ("51000", reject.detail))
