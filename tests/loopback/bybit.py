"""A loopback Bybit venue speaking the v5 REST wire format (unified trading account, `linear`
category) for the endpoints ccxt's `bybit` calls. Signed the way Bybit v5 signs: HMAC-SHA256 (hex)
of timestamp + api key + recv window + (query string | JSON body), in the X-BAPI-* headers.
Answers carry `{"retCode", "retMsg", "result", "retExtInfo", "time"}`; errors use Bybit's codes.

Market rules are the bundled Binance exchangeInfo's, re-expressed as Bybit instruments (the loopback
tests the wire format, not Bybit's own tick sizes)."""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

from aiohttp import web

from tests.loopback import bybit_stops, data, history, market
from tests.loopback.binanceusdm import rules_from_exchange_info
from tests.loopback.book import Book, BookOrder, BookPosition, Reject, Rules, now_ms
from tests.loopback.server import LoopbackVenue, optional_int

RECV_WINDOW_MS = 5_000
SEVEN_DAYS_MS = 7 * 86_400_000
INTERVALS = {"1": "1m", "3": "3m", "5": "5m", "15": "15m", "30": "30m", "60": "1h"}
INTERVALS.update({"120": "2h", "240": "4h", "360": "6h", "720": "12h", "D": "1d"})

REJECTS: dict[str, tuple[int, str]] = {
    "insufficient_margin": (110007, "ab not enough for new order"),
    "qty_precision": (10001, "params error: The number of contracts exceeds minimum limit allowed"),
    "price_precision": (10001, "params error: price invalid"),
    "qty_too_small": (10001, "params error: The number of contracts exceeds minimum limit allowed"),
    "qty_not_positive": (10001, "params error: qty invalid"),
    "qty_too_large": (10001, "params error: The number of contracts exceeds maximum limit allowed"),
    "min_notional": (110094, "Order does not meet minimum order value 5USDT"),
    "reduce_only": (110017, "current position is zero, cannot fix reduce-only order qty"),
    "duplicate_client_id": (110072, "OrderLinkedID is duplicate"),
    "unknown_symbol": (10001, "params error: symbol invalid"),
    "not_trading": (10001, "params error: symbol invalid"),
    "bad_leverage": (10001, "leverage invalid"),
    "margin_mode_with_position": (110024, "Isolated not modified, having position"),
    "price_missing": (10001, "params error: price invalid"),
    "unknown_order": (110001, "order not exists or too late to cancel"),
}
STATUS = {
    "NEW": "New",
    "PARTIALLY_FILLED": "PartiallyFilled",
    "FILLED": "Filled",
    "CANCELED": "Cancelled",
    # Bybit has no "expired": an unfilled IOC/FOK is cancelled.
    "EXPIRED": "Cancelled",
}

Params = dict[str, Any]


def num(value: Decimal) -> str:
    return format(value, "f")


class BybitVenue(LoopbackVenue):
    venue = "bybit"
    hostnames = ("api.bybit.com",)
    api_key_header = "X-BAPI-API-KEY"

    def _make_book(self, balance: Decimal) -> Book:
        rules = {s: r for s, r in rules_from_exchange_info().items() if r.kind == "linear_swap"}
        btc = rules["BTCUSDT"]
        # One inverse contract, so a client can be told a symbol is listed but not as a linear swap.
        rules["BTCUSD"] = Rules(
            symbol="BTCUSD",
            base="BTC",
            quote="USD",
            tick=Decimal("0.5"),
            step=Decimal(1),
            min_qty=Decimal(1),
            max_qty=Decimal(1_000_000),
            min_notional=Decimal(0),
            max_leverage=100,
            kind="inverse_swap",
        )
        prices = {s: data.last_close(s) for s in rules if s in data.CANDLES}
        prices["BTCUSD"] = prices[btc.symbol]
        return Book(
            rules=rules,
            prices=prices,
            wallet=balance,
            unique_client_ids="all",
            post_only_policy="cancel",
            clock=self.clock,
        )

    def ok(self, result: Any) -> web.Response:
        return web.json_response(
            {
                "retCode": 0,
                "retMsg": "OK",
                "result": result,
                "retExtInfo": {},
                "time": self.clock(),
            }
        )

    def fail(self, code: int, msg: str, status: int = 200) -> web.Response:
        return web.json_response(
            {"retCode": code, "retMsg": msg, "result": {}, "retExtInfo": {}, "time": self.clock()},
            status=status,
        )

    def _rate_limited(self) -> web.Response:
        response = self.fail(10006, "Too many visits. Exceeded the API Rate Limit.")
        response.headers["X-Bapi-Limit-Status"] = "0"
        return response

    def _unknown_status(self) -> web.Response:
        return self.fail(10016, "Internal System Error.")

    def _routes(self) -> list[web.RouteDef]:
        s = self._signed
        return [
            web.get("/v5/market/time", self._time),
            web.get("/v5/market/instruments-info", self._instruments),
            web.get("/v5/market/tickers", self._tickers),
            web.get("/v5/market/kline", self._kline),
            web.get("/v5/market/mark-price-kline", self._kline),
            web.get("/v5/market/funding/history", self._funding_history),
            web.get("/v5/market/risk-limit", self._risk_limit),
            web.get("/v5/account/wallet-balance", s(self._wallet_balance)),
            web.get("/v5/position/list", s(self._position_list)),
            web.post("/v5/position/set-leverage", s(self._set_leverage)),
            web.post("/v5/account/set-margin-mode", s(self._set_margin_mode)),
            web.post("/v5/order/create", s(self._create)),
            web.post("/v5/order/cancel", s(self._cancel)),
            web.get("/v5/order/realtime", s(self._realtime)),
            web.get("/v5/order/history", s(self._history)),
            web.get("/v5/execution/list", s(self._executions)),
        ]

    # ---- signing -------------------------------------------------------------------------------

    def _reject(self, reject: Reject) -> web.Response:
        code, msg = REJECTS.get(reject.kind, (10001, reject.detail))
        return self.fail(code, msg)

    async def _check_signature(self, request: web.Request) -> Params | web.Response:
        headers = request.headers
        key = headers.get("X-BAPI-API-KEY")
        timestamp = headers.get("X-BAPI-TIMESTAMP", "")
        window = headers.get("X-BAPI-RECV-WINDOW", str(RECV_WINDOW_MS))
        signature = headers.get("X-BAPI-SIGN")
        if not key or key != self.api_key:
            return self.fail(10003, "API key is invalid.", status=401)
        if not timestamp.isdigit() or not window.isdigit():
            return self.fail(10002, "invalid request, please check your timestamp")
        if request.method == "GET":
            payload = request.rel_url.raw_query_string
            params: Params = dict(request.query)
        else:
            payload = await request.text()
            try:
                params = json.loads(payload) if payload else {}
            except ValueError:
                return self.fail(10001, "params error: body is not JSON")
        origin = timestamp + key + window + payload
        expected = hmac.new(self.api_secret.encode(), origin.encode(), hashlib.sha256).hexdigest()
        if not signature or not hmac.compare_digest(expected, signature):
            return self.fail(10004, f"error sign! origin_string[{origin}]", status=401)
        # Freshness is judged on the wall clock, as the client stamps it (see binanceusdm.py).
        now = now_ms()
        if abs(now - int(timestamp)) > int(window):
            return self.fail(
                10002,
                "invalid request, please check your server timestamp or recv_window param. "
                f"req_timestamp[{timestamp}],server_timestamp[{now}],recv_window[{window}]",
            )
        return params

    # ---- public --------------------------------------------------------------------------------

    async def _time(self, request: web.Request) -> web.Response:
        now = self.clock()
        return self.ok({"timeSecond": str(now // 1000), "timeNano": str(now * 1_000_000)})

    def _instrument(self, rules: Rules) -> dict[str, Any]:
        linear = rules.kind == "linear_swap"
        return {
            "symbol": rules.symbol,
            "contractType": "LinearPerpetual" if linear else "InversePerpetual",
            "status": "Trading",
            "baseCoin": rules.base,
            "quoteCoin": rules.quote,
            "launchTime": "1585526400000",
            "deliveryTime": "0",
            "deliveryFeeRate": "",
            "priceScale": str(max(0, -rules.tick.as_tuple().exponent)),  # type: ignore[operator]
            "leverageFilter": {
                "minLeverage": "1",
                "maxLeverage": f"{rules.max_leverage}.00",
                "leverageStep": "0.01",
            },
            "priceFilter": {
                "minPrice": num(rules.tick),
                "maxPrice": "1999999.80",
                "tickSize": num(rules.tick),
            },
            "lotSizeFilter": {
                "maxOrderQty": num(rules.max_qty),
                "maxMktOrderQty": num(rules.max_qty),
                "minOrderQty": num(rules.min_qty),
                "qtyStep": num(rules.step),
                "postOnlyMaxOrderQty": num(rules.max_qty),
                "minNotionalValue": num(rules.min_notional),
            },
            "unifiedMarginTrade": True,
            "fundingInterval": 480,
            "settleCoin": rules.quote if linear else rules.base,
            "copyTrading": "both",
            "upperFundingRate": "0.00375",
            "lowerFundingRate": "-0.00375",
            "isPreListing": False,
            "preListingInfo": None,
        }

    def _category_rules(self, category: str) -> list[Rules]:
        kind = {"linear": "linear_swap", "inverse": "inverse_swap"}.get(category)
        return [r for r in self.book.rules.values() if r.kind == kind]

    async def _instruments(self, request: web.Request) -> web.Response:
        q = request.query
        category = q.get("category", "")
        if q.get("status") == "PreLaunch":
            rows: list[Rules] = []
        else:
            rows = [
                r for r in self._category_rules(category) if q.get("symbol") in (None, r.symbol)
            ]
        return self.ok(
            {
                "category": category,
                "list": [self._instrument(r) for r in rows],
                "nextPageCursor": "",
            }
        )

    async def _tickers(self, request: web.Request) -> web.Response:
        q = request.query
        category = q.get("category", "linear")
        now = self.clock()
        rows = []
        for rules in self._category_rules(category):
            if q.get("symbol") not in (None, rules.symbol):
                continue
            last = self.book.prices[rules.symbol]
            rows.append(
                {
                    "symbol": rules.symbol,
                    "lastPrice": num(last),
                    "indexPrice": num(last),
                    "markPrice": num(self.triggers.mark(rules.symbol)),
                    "prevPrice24h": num(last),
                    "price24hPcnt": "0",
                    "highPrice24h": num(last),
                    "lowPrice24h": num(last),
                    "prevPrice1h": num(last),
                    "openInterest": "0",
                    "openInterestValue": "0",
                    "turnover24h": "0",
                    "volume24h": "0",
                    "fundingRate": num(market.last_funding_rate(self.book, rules.symbol)),
                    "nextFundingTime": str(market.next_funding_time(now)),
                    "predictedDeliveryPrice": "",
                    "basisRate": "",
                    "deliveryFeeRate": "",
                    "deliveryTime": "0",
                    "ask1Size": "1",
                    "bid1Price": num(last - rules.tick),
                    "ask1Price": num(last),
                    "bid1Size": "1",
                    "basis": "",
                }
            )
        return self.ok({"category": category, "list": rows})

    async def _kline(self, request: web.Request) -> web.Response:
        # Trade and mark klines, with the download tests' holes and faults (history.py).
        return await history.bybit_kline(self, request)

    async def _funding_history(self, request: web.Request) -> web.Response:
        q = request.query
        symbol = q.get("symbol", "")
        if symbol not in self.book.rules:
            return self.fail(10001, "params error: symbol invalid")
        rows = market.funding_rates(
            self.book,
            symbol,
            optional_int(q.get("startTime")),
            optional_int(q.get("endTime")),
            min(int(q.get("limit", 200)), 200),
        )
        listed = [
            {"symbol": symbol, "fundingRate": num(rate), "fundingRateTimestamp": str(t)}
            for t, rate, _ in reversed(rows)
        ]
        return self.ok({"category": "linear", "list": listed})

    async def _risk_limit(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol")
        rows = []
        for venue_symbol, brackets in sorted(data.leverage_brackets().items()):
            if symbol not in (None, venue_symbol) or venue_symbol not in self.book.rules:
                continue
            for i, b in enumerate(brackets):
                rows.append(
                    {
                        "id": i + 1,
                        "symbol": venue_symbol,
                        "riskLimitValue": b["notionalCap"],
                        "maintenanceMargin": b["maintMarginRatio"],
                        "initialMargin": num(Decimal(1) / Decimal(b["initialLeverage"])),
                        "isLowestRisk": 1 if i == 0 else 0,
                        "maxLeverage": f"{b['initialLeverage']}.00",
                        "mmDeduction": b["cum"],
                    }
                )
        return self.ok({"category": "linear", "list": rows, "nextPageCursor": ""})

    # ---- account -------------------------------------------------------------------------------

    async def _wallet_balance(self, request: web.Request, p: Params) -> web.Response:
        book = self.book
        with book.lock:
            upnl = book.total_unrealized()
            position_im = sum((book.position_margin(s) for s in book.positions), Decimal(0))
            order_im = book.order_margin()
            available = book.available()
            wallet = book.wallet
        equity = wallet + upnl
        coin = {
            "coin": book.asset,
            "equity": num(equity),
            "usdValue": num(equity),
            "walletBalance": num(wallet),
            "availableToWithdraw": num(available),
            "availableToBorrow": "",
            "borrowAmount": "0",
            "accruedInterest": "0",
            "totalOrderIM": num(order_im),
            "totalPositionIM": num(position_im),
            "totalPositionMM": "0",
            "unrealisedPnl": num(upnl),
            "cumRealisedPnl": "0",
            "bonus": "0",
            "collateralSwitch": True,
            "marginCollateral": True,
            "locked": "0",
            "spotHedgingQty": "0",
        }
        account = {
            "accountType": "UNIFIED",
            "totalEquity": num(equity),
            "totalWalletBalance": num(wallet),
            "totalMarginBalance": num(equity),
            "totalAvailableBalance": num(available),
            "totalPerpUPL": num(upnl),
            "totalInitialMargin": num(position_im + order_im),
            "totalMaintenanceMargin": "0",
            "accountIMRate": "0",
            "accountMMRate": "0",
            "accountLTV": "0",
            "coin": [coin],
        }
        return self.ok({"list": [account]})

    def _position_row(self, pos: BookPosition) -> dict[str, Any]:
        book = self.book
        rules = book.rules[pos.symbol]
        mark = self.triggers.mark(pos.symbol)
        leverage = book.leverage_of(pos.symbol)
        liq = Decimal(0)
        if pos.size != 0:
            move = Decimal(1) / leverage - Decimal("0.004")
            liq = pos.entry * (1 - move) if pos.size > 0 else pos.entry * (1 + move)
        return {
            "positionIdx": 0,
            "riskId": 1,
            "riskLimitValue": "2000000",
            "symbol": pos.symbol,
            "side": "" if pos.size == 0 else ("Buy" if pos.size > 0 else "Sell"),
            "size": num(abs(pos.size)),
            "avgPrice": num(pos.entry),
            "positionValue": num(abs(pos.size) * pos.entry),
            "tradeMode": 1 if book.margin_mode_of(pos.symbol) == "isolated" else 0,
            "autoAddMargin": 0,
            "positionStatus": "Normal",
            "leverage": str(leverage),
            "markPrice": num(mark),
            "liqPrice": "" if pos.size == 0 else num(liq.quantize(rules.tick)),
            "bustPrice": "",
            "positionIM": num(book.position_margin(pos.symbol)),
            "positionMM": "0",
            "positionBalance": "0",
            "takeProfit": "0.00",
            "stopLoss": "0.00",
            "trailingStop": "0.00",
            "sessionAvgPrice": "",
            "unrealisedPnl": num(book.unrealized(pos.symbol)),
            "curRealisedPnl": "0",
            "cumRealisedPnl": "0",
            "adlRankIndicator": 1 if pos.size else 0,
            "createdTime": str(pos.updated_ms),
            "updatedTime": str(pos.updated_ms),
            "seq": 1,
            "isReduceOnly": False,
            "mmrSysUpdatedTime": "",
            "leverageSysUpdatedTime": "",
        }

    async def _position_list(self, request: web.Request, p: Params) -> web.Response:
        symbol = p.get("symbol")
        with self.book.lock:
            rows = [
                self._position_row(self.book.position(s))
                for s, pos in self.book.positions.items()
                if pos.size != 0 and symbol in (None, s)
            ]
            if symbol is not None and not rows:
                rows = [self._position_row(BookPosition(symbol))]
        return self.ok(
            {"category": p.get("category", "linear"), "list": rows, "nextPageCursor": ""}
        )

    async def _set_leverage(self, request: web.Request, p: Params) -> web.Response:
        symbol = str(p.get("symbol", ""))
        raw = str(p.get("buyLeverage", ""))
        try:
            leverage = int(Decimal(raw))
        except ArithmeticError:
            return self.fail(10001, "params error: buyLeverage invalid")
        if self.book.leverage_of(symbol) == leverage and symbol in self.book.leverage:
            return self.fail(110043, "leverage not modified")
        self.book.set_leverage(symbol, leverage)
        return self.ok({})

    async def _set_margin_mode(self, request: web.Request, p: Params) -> web.Response:
        modes = {"ISOLATED_MARGIN": "isolated", "REGULAR_MARGIN": "cross"}
        mode = modes.get(str(p.get("setMarginMode")))
        if mode is None:
            return self.fail(10001, "params error: setMarginMode invalid")
        # Unified accounts set the margin mode for the whole account.
        for symbol, rules in self.book.rules.items():
            if rules.kind == "linear_swap":
                self.book.set_margin_mode(symbol, mode)
        return self.ok({"reasons": []})

    # ---- orders --------------------------------------------------------------------------------

    def _order_row(self, order: BookOrder) -> dict[str, Any]:
        rules = self.book.rules[order.symbol]
        leaves = order.qty - order.executed_qty if order.is_open else Decimal(0)
        reason = "EC_NoError"
        if order.post_only and order.status == "CANCELED" and order.executed_qty == 0:
            reason = "EC_PostOnlyWillTakeLiquidity"
        return {
            "orderId": str(order.order_id),
            "orderLinkId": order.client_id,
            "blockTradeId": "",
            "symbol": order.symbol,
            "price": "0" if order.price is None else num(order.price.quantize(rules.tick)),
            "qty": num(order.qty.quantize(rules.step)),
            "side": "Buy" if order.side == "BUY" else "Sell",
            "isLeverage": "",
            "positionIdx": 0,
            "orderStatus": STATUS[order.status],
            "cancelType": "UNKNOWN",
            "rejectReason": reason,
            "avgPrice": "" if not order.executed_qty else num(order.avg_price),
            "leavesQty": num(leaves),
            "leavesValue": num(leaves * (order.price or Decimal(0))),
            "cumExecQty": num(order.executed_qty),
            "cumExecValue": num(order.cum_quote),
            "cumExecFee": "0",
            "timeInForce": "PostOnly" if order.post_only else order.tif,
            "orderType": "Market" if order.type == "MARKET" else "Limit",
            "stopOrderType": "",
            "orderIv": "",
            "triggerPrice": "",
            "takeProfit": "",
            "stopLoss": "",
            "tpTriggerBy": "",
            "slTriggerBy": "",
            "triggerDirection": 0,
            "triggerBy": "",
            "lastPriceOnCreated": "",
            "reduceOnly": order.reduce_only,
            "closeOnTrigger": False,
            "smpType": "None",
            "smpGroup": 0,
            "smpOrderId": "",
            "tpslMode": "",
            "tpLimitPrice": "",
            "slLimitPrice": "",
            "placeType": "",
            "createdTime": str(order.created_ms),
            "updatedTime": str(order.updated_ms),
        }

    # A fired conditional order keeps its orderId (and orderLinkId).
    _child_order_id = staticmethod(bybit_stops.child_order_id)

    async def _create(self, request: web.Request, p: Params) -> web.Response:
        if p.get("category") != "linear":
            return self.fail(10001, "params error: category invalid")
        if p.get("triggerPrice") not in (None, ""):
            return await bybit_stops.create(self, p)
        side = {"Buy": "BUY", "Sell": "SELL"}.get(str(p.get("side")))
        type_ = {"Market": "MARKET", "Limit": "LIMIT"}.get(str(p.get("orderType")))
        if side is None or type_ is None:
            return self.fail(10001, "params error: side or orderType invalid")
        try:
            qty = Decimal(str(p.get("qty", "")))
            price = Decimal(str(p["price"])) if "price" in p else None
        except ArithmeticError:
            return self.fail(10001, "params error: qty invalid")
        tif = str(p.get("timeInForce", "GTC" if type_ == "LIMIT" else "IOC"))
        client_id = str(p.get("orderLinkId") or f"loopback{len(self.book.orders) + 1}")
        if len(client_id) > 36:
            return self.fail(10001, "params error: orderLinkId is too long")
        order = self.book.place(
            symbol=str(p.get("symbol", "")),
            side=side,  # type: ignore[arg-type]
            type=type_,  # type: ignore[arg-type]
            qty=qty,
            price=price if type_ == "LIMIT" else None,
            tif="GTC" if tif == "PostOnly" else tif,
            reduce_only=bool(p.get("reduceOnly", False)),
            post_only=tif == "PostOnly",
            client_id=client_id,
        )
        response = self.ok({"orderId": str(order.order_id), "orderLinkId": order.client_id})
        return await self._after_submit(response)

    async def _cancel(self, request: web.Request, p: Params) -> web.Response:
        symbol = str(p.get("symbol", ""))
        conditional = bybit_stops.cancel(self, p)
        if conditional is not None:
            return await self._after_cancel(
                self.ok(
                    {"orderId": str(conditional.trigger_id), "orderLinkId": conditional.client_id}
                )
            )
        order_id = p.get("orderId")
        order = self.book.cancel(
            symbol,
            order_id=int(order_id) if order_id else None,
            client_id=p.get("orderLinkId"),
        )
        return await self._after_cancel(
            self.ok({"orderId": str(order.order_id), "orderLinkId": order.client_id})
        )

    def _select(self, p: Params, *, open_only: bool) -> list[BookOrder]:
        symbol = p.get("symbol")
        order_id = p.get("orderId")
        client_id = p.get("orderLinkId")
        if (order_id or client_id) and self.faults.take_hidden_lookup():
            return []
        with self.book.lock:
            rows = [
                o
                for o in self.book.orders
                if symbol in (None, o.symbol)
                and o.is_open == open_only
                and order_id in (None, str(o.order_id))
                and client_id in (None, o.client_id)
            ]
        rows.reverse()  # newest first, as Bybit lists
        return rows[: int(p.get("limit", 50))]

    async def _realtime(self, request: web.Request, p: Params) -> web.Response:
        return self._orders_list(p, open_only=True)

    async def _history(self, request: web.Request, p: Params) -> web.Response:
        return self._orders_list(p, open_only=False)

    def _orders_list(self, p: Params, *, open_only: bool) -> web.Response:
        """Plain and conditional orders together unless orderFilter picks one kind, as Bybit
        lists linear orders."""
        kind = p.get("orderFilter")
        rows = []
        if kind in (None, "Order"):
            rows += [self._order_row(o) for o in self._select(p, open_only=open_only)]
        if kind in (None, "StopOrder"):
            rows += bybit_stops.listed(self, p, open_only=open_only, hidden_taken=kind is None)
        return self.ok({"category": "linear", "list": rows, "nextPageCursor": ""})

    async def _executions(self, request: web.Request, p: Params) -> web.Response:
        symbol = p.get("symbol")
        start, end = _window(p, self.clock())
        if end - start > SEVEN_DAYS_MS:
            return self.fail(10001, "params error: The time range must not exceed 7 days")
        limit = min(int(p.get("limit") or p.get("size") or 50), 100)
        exec_type = p.get("execType")
        rows: list[dict[str, Any]] = []
        if exec_type in (None, "Trade"):
            for t in self.book.trades_between(symbol, start, end, 10_000):
                order = self.book.find(t.symbol, order_id=t.order_id)
                rows.append(
                    {
                        "symbol": t.symbol,
                        "orderType": "Market" if order and order.type == "MARKET" else "Limit",
                        "underlyingPrice": "",
                        "orderLinkId": t.client_id,
                        "side": "Buy" if t.side == "BUY" else "Sell",
                        "indexPrice": "",
                        "orderId": str(t.order_id),
                        "stopOrderType": "UNKNOWN",
                        "leavesQty": "0",
                        "execTime": str(t.time_ms),
                        "feeCurrency": "",
                        "isMaker": t.maker,
                        "execFee": num(t.fee),
                        "feeRate": "0.0002" if t.maker else "0.0005",
                        "execId": f"e{t.trade_id}",
                        "tradeIv": "",
                        "blockTradeId": "",
                        "markPrice": num(t.price),
                        "execPrice": num(t.price),
                        "markIv": "",
                        "orderQty": num(order.qty if order else t.qty),
                        "orderPrice": num(t.price),
                        "execValue": num(t.qty * t.price),
                        "execType": "Trade",
                        "execQty": num(t.qty),
                        "closedSize": "0",
                        "seq": t.trade_id,
                    }
                )
        if exec_type in (None, "Funding"):
            with self.book.lock:
                events = [
                    e
                    for e in self.book.funding
                    if symbol in (None, e.symbol) and start <= e.time_ms <= end
                ]
            for e in events:
                rows.append(
                    {
                        "symbol": e.symbol,
                        "orderType": "UNKNOWN",
                        "orderLinkId": "",
                        "side": "Sell" if e.position_size > 0 else "Buy",
                        "orderId": "",
                        "execTime": str(e.time_ms),
                        "feeCurrency": "",
                        "isMaker": False,
                        # Bybit reports funding as a fee: positive when the account paid.
                        "execFee": num(-e.amount),
                        "feeRate": num(e.rate),
                        "execId": f"f{e.event_id}",
                        "markPrice": num(e.mark),
                        "execPrice": num(e.mark),
                        "orderQty": "0",
                        "orderPrice": "0",
                        "execValue": num(abs(e.position_size) * e.mark),
                        "execType": "Funding",
                        "execQty": num(abs(e.position_size)),
                        "closedSize": "0",
                        "seq": e.event_id,
                    }
                )
        rows.sort(key=lambda r: int(r["execTime"]), reverse=True)
        return self.ok({"category": "linear", "list": rows[:limit], "nextPageCursor": ""})


def _window(p: Params, now: int) -> tuple[int, int]:
    """Bybit's rule: startTime alone spans 7 days from it; neither spans the last 7 days."""
    start, end = optional_int(p.get("startTime")), optional_int(p.get("endTime"))
    if start is None and end is None:
        return now - SEVEN_DAYS_MS, now
    if start is None:
        assert end is not None
        return end - SEVEN_DAYS_MS, end
    if end is None:
        return start, start + SEVEN_DAYS_MS
    return start, end
