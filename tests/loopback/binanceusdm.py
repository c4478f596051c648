"""A loopback Binance USDⓈ-M futures venue speaking the real `/fapi` REST wire format for the
endpoints ccxt's `binanceusdm` calls, signed the way Binance signs: HMAC-SHA256 (hex) over the
query string followed by the body, with the key in `X-MBX-APIKEY`. Errors use Binance's codes,
HTTP statuses and `{"code": .., "msg": ..}` shape."""

from __future__ import annotations

import hashlib
import hmac
import re
from decimal import Decimal
from typing import Any, Literal

from aiohttp import web

from tests.loopback import binance_algo, data, history, market
from tests.loopback.book import Book, BookOrder, BookPosition, Reject, Rules, now_ms
from tests.loopback.server import LoopbackVenue, optional_int

RECV_WINDOW_MS = 5_000
CLIENT_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
SEVEN_DAYS_MS = 7 * 86_400_000

# Book rejections -> (HTTP status, Binance code, message) as Binance answers them.
REJECTS: dict[str, tuple[int, int, str]] = {
    "insufficient_margin": (400, -2019, "Margin is insufficient."),
    "qty_precision": (400, -1111, "Precision is over the maximum defined for this asset."),
    "price_precision": (400, -4014, "Price not increased by tick size."),
    "qty_too_small": (400, -4003, "Quantity less than or equal to zero."),
    "qty_not_positive": (400, -4003, "Quantity less than or equal to zero."),
    "qty_too_large": (400, -4005, "Quantity greater than max quantity."),
    "min_notional": (
        400,
        -4164,
        "Order's notional must be no smaller than 10 (unless you choose reduce only).",
    ),
    "reduce_only": (400, -2022, "ReduceOnly Order is rejected."),
    "post_only_would_take": (
        400,
        -5022,
        "Due to the order could not be executed as maker, the Post Only order will be rejected. "
        "The order will not be recorded in the order history",
    ),
    "duplicate_client_id": (400, -4116, "ClientOrderId is duplicated."),
    "unknown_symbol": (400, -1121, "Invalid symbol."),
    "not_trading": (400, -1122, "Invalid symbol status."),
    "bad_leverage": (400, -4028, "Leverage is not valid"),
    "margin_mode_with_position": (
        400,
        -4048,
        "Margin type cannot be changed if there exists position.",
    ),
    "price_missing": (
        400,
        -1102,
        "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
    ),
}

Params = dict[str, str]


def error(status: int, code: int, msg: str) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status)


def rules_from_exchange_info() -> dict[str, Rules]:
    rules: dict[str, Rules] = {}
    for raw in data.exchange_info()["symbols"]:
        filters = {f["filterType"]: f for f in raw["filters"]}
        kind: Literal["linear_swap", "linear_future"] = (
            "linear_swap" if raw["contractType"] == "PERPETUAL" else "linear_future"
        )
        brackets = data.leverage_brackets().get(raw["symbol"], [])
        rules[raw["symbol"]] = Rules(
            symbol=raw["symbol"],
            base=raw["baseAsset"],
            quote=raw["quoteAsset"],
            tick=Decimal(filters["PRICE_FILTER"]["tickSize"]),
            step=Decimal(filters["LOT_SIZE"]["stepSize"]),
            min_qty=Decimal(filters["LOT_SIZE"]["minQty"]),
            max_qty=Decimal(filters["LOT_SIZE"]["maxQty"]),
            min_notional=Decimal(filters.get("MIN_NOTIONAL", {}).get("notional", "0")),
            max_leverage=int(brackets[0]["initialLeverage"]) if brackets else 20,
            kind=kind,
        )
    return rules


def num(value: Decimal) -> str:
    """Binance prints plain decimals, never exponents."""
    return format(value, "f")


class BinanceUsdmVenue(LoopbackVenue):
    venue = "binanceusdm"
    hostnames = ("fapi.binance.com", "api.binance.com", "dapi.binance.com", "papi.binance.com")
    api_key_header = "X-MBX-APIKEY"
    # The user-data-stream listen key of the (one) account, and how many were ever issued.
    listen_key: str | None = None
    listen_keys_issued = 0

    def _make_book(self, balance: Decimal) -> Book:
        rules = rules_from_exchange_info()
        prices = {s: data.last_close(s) for s in rules if data.CANDLES.get(s)}
        for symbol in rules:
            prices.setdefault(symbol, prices.get(symbol.split("_")[0], Decimal(1)))
        return Book(
            rules=rules,
            prices=prices,
            wallet=balance,
            unique_client_ids="open",
            post_only_policy="reject",
            clock=self.clock,
        )

    def _rate_limited(self) -> web.Response:
        return web.json_response(
            {
                "code": -1003,
                "msg": "Too many requests; current limit of IP(127.0.0.1) is 2400 requests per "
                "minute. Please use the websocket for live updates to avoid polling the API.",
            },
            status=429,
            headers={"Retry-After": self.faults.retry_after_s},
        )

    def _unknown_status(self) -> web.Response:
        return error(
            503,
            -1007,
            "Timeout waiting for response from backend server. Send status unknown; "
            "execution status unknown.",
        )

    def _routes(self) -> list[web.RouteDef]:
        s = self._signed
        return [
            web.get("/fapi/v1/ping", self._ping),
            web.get("/fapi/v1/time", self._time),
            web.get("/fapi/v1/exchangeInfo", self._exchange_info),
            web.get("/fapi/v1/ticker/24hr", self._ticker_24hr),
            web.get("/fapi/v1/ticker/price", self._ticker_price),
            web.get("/fapi/v1/ticker/bookTicker", self._book_ticker),
            web.get("/fapi/v1/premiumIndex", self._premium_index),
            web.get("/fapi/v1/fundingRate", self._funding_rate),
            web.get("/fapi/v1/klines", self._klines),
            web.get("/fapi/v1/markPriceKlines", self._klines),
            web.get("/fapi/v1/leverageBracket", s(self._leverage_bracket)),
            web.get("/fapi/v2/balance", s(self._balance)),
            web.get("/fapi/v3/balance", s(self._balance)),
            web.get("/fapi/v2/account", s(self._account)),
            web.get("/fapi/v3/account", s(self._account)),
            web.get("/fapi/v2/positionRisk", s(self._position_risk_v2)),
            web.get("/fapi/v3/positionRisk", s(self._position_risk_v3)),
            web.get("/fapi/v1/positionSide/dual", s(self._dual_side)),
            web.post("/fapi/v1/leverage", s(self._set_leverage)),
            web.post("/fapi/v1/marginType", s(self._set_margin_type)),
            web.post("/fapi/v1/order", s(self._new_order)),
            web.delete("/fapi/v1/order", s(self._cancel_order)),
            web.get("/fapi/v1/order", s(self._query_order)),
            web.get("/fapi/v1/openOrders", s(self._open_orders)),
            web.get("/fapi/v1/allOrders", s(self._all_orders)),
            web.get("/fapi/v1/userTrades", s(self._user_trades)),
            web.get("/fapi/v1/income", s(self._income)),
            web.get("/fapi/v1/commissionRate", s(self._commission_rate)),
            # User-data-stream keys: the API key header only, no signature (as Binance).
            web.post("/fapi/v1/listenKey", self._listen_key),
            web.put("/fapi/v1/listenKey", self._listen_key),
            web.delete("/fapi/v1/listenKey", self._listen_key),
            *binance_algo.routes(self),
        ]

    # ---- signing -------------------------------------------------------------------------------

    async def _check_signature(self, request: web.Request) -> Params | web.Response:
        key = request.headers.get("X-MBX-APIKEY")
        if not key:
            return error(401, -2014, "API-key format invalid.")
        if key != self.api_key:
            return error(
                401, -2015, "Invalid API-key, IP, or permissions for action, request ip: 127.0.0.1"
            )
        query = request.rel_url.raw_query_string
        body = await request.text()
        payload, signature = _strip_signature(query, body)
        if signature is None:
            return error(
                400,
                -1102,
                "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
            )
        expected = hmac.new(self.api_secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return error(400, -1022, "Signature for this request is not valid.")
        params: Params = dict(request.query)
        if body:
            from urllib.parse import parse_qsl

            params.update(dict(parse_qsl(body, keep_blank_values=True)))
        params.pop("signature", None)
        timestamp = params.get("timestamp")
        if timestamp is None or not timestamp.isdigit():
            return error(
                400,
                -1102,
                "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.",
            )
        window = int(params.get("recvWindow", RECV_WINDOW_MS))
        # Freshness is judged on the wall clock, as the client stamps it; the venue's market clock
        # may be a test's manual one.
        if abs(now_ms() - int(timestamp)) > window:
            return error(400, -1021, "Timestamp for this request is outside of the recvWindow.")
        return params

    def _reject(self, reject: Reject, kind_override: str | None = None) -> web.Response:
        status, code, msg = REJECTS.get(kind_override or reject.kind, (400, -1000, reject.detail))
        return error(status, code, msg)

    async def _listen_key(self, request: web.Request) -> web.Response:
        """One key per API key, as Binance: POST returns the active key (and extends it) or
        issues a new one; PUT extends the active key (no parameter) or fails with -1125 when
        there is none; DELETE closes it."""
        key = request.headers.get("X-MBX-APIKEY")
        if not key:
            return error(401, -2014, "API-key format invalid.")
        if key != self.api_key:
            return error(401, -2015, "Invalid API-key, IP, or permissions for action.")
        if request.method == "POST":
            if self.listen_key is None:
                self.listen_keys_issued += 1
                seed = f"{self.port}:{self.listen_keys_issued}".encode()
                self.listen_key = hashlib.sha256(seed).hexdigest()
            return web.json_response({"listenKey": self.listen_key})
        if request.method == "PUT" and self.listen_key is None:
            return error(400, -1125, "This listenKey does not exist.")
        if request.method == "DELETE":
            self.listen_key = None
        return web.json_response({})

    def expire_listen_key(self) -> None:
        """What the venue does 60 min after the last keepalive: the next POST issues a new key."""
        self.listen_key = None

    # ---- public market data --------------------------------------------------------------------

    async def _ping(self, request: web.Request) -> web.Response:
        return web.json_response({})

    async def _time(self, request: web.Request) -> web.Response:
        return web.json_response({"serverTime": self.clock()})

    async def _exchange_info(self, request: web.Request) -> web.Response:
        info = data.exchange_info()
        info["serverTime"] = self.clock()
        for raw in info["symbols"]:
            rules = self.book.rules[raw["symbol"]]
            for f in raw["filters"]:
                if f["filterType"] == "PRICE_FILTER":
                    f["tickSize"] = num(rules.tick)
                elif f["filterType"] in ("LOT_SIZE", "MARKET_LOT_SIZE"):
                    f["stepSize"] = num(rules.step)
                    f["minQty"] = num(rules.min_qty)
                    f["maxQty"] = num(rules.max_qty)
                elif f["filterType"] == "MIN_NOTIONAL":
                    f["notional"] = num(rules.min_notional)
        return web.json_response(info)

    def _symbols(self, request: web.Request) -> list[str] | web.Response:
        symbol = request.query.get("symbol")
        if symbol is None:
            return [s for s, r in self.book.rules.items() if r.kind == "linear_swap"]
        if symbol not in self.book.rules:
            return error(400, -1121, "Invalid symbol.")
        return [symbol]

    @staticmethod
    def _one_or_list(request: web.Request, rows: list[dict[str, Any]]) -> web.Response:
        if "symbol" in request.query:
            return web.json_response(rows[0])
        return web.json_response(rows)

    async def _ticker_24hr(self, request: web.Request) -> web.Response:
        symbols = self._symbols(request)
        if isinstance(symbols, web.Response):
            return symbols
        now = self.clock()
        rows = []
        for symbol in symbols:
            last = self.book.prices[symbol]
            rows.append(
                {
                    "symbol": symbol,
                    "priceChange": "0",
                    "priceChangePercent": "0.000",
                    "weightedAvgPrice": num(last),
                    "lastPrice": num(last),
                    "lastQty": "0.001",
                    "openPrice": num(last),
                    "highPrice": num(last),
                    "lowPrice": num(last),
                    "volume": "0",
                    "quoteVolume": "0",
                    "openTime": now - 86_400_000,
                    "closeTime": now,
                    "firstId": 1,
                    "lastId": 1,
                    "count": 1,
                }
            )
        return self._one_or_list(request, rows)

    async def _ticker_price(self, request: web.Request) -> web.Response:
        symbols = self._symbols(request)
        if isinstance(symbols, web.Response):
            return symbols
        rows = [
            {"symbol": s, "price": num(self.book.prices[s]), "time": self.clock()} for s in symbols
        ]
        return self._one_or_list(request, rows)

    async def _book_ticker(self, request: web.Request) -> web.Response:
        symbols = self._symbols(request)
        if isinstance(symbols, web.Response):
            return symbols
        rows = []
        for s in symbols:
            tick = self.book.rules[s].tick
            last = self.book.prices[s]
            rows.append(
                {
                    "symbol": s,
                    "bidPrice": num(last - tick),
                    "bidQty": "1.000",
                    "askPrice": num(last),
                    "askQty": "1.000",
                    "time": self.clock(),
                }
            )
        return self._one_or_list(request, rows)

    async def _premium_index(self, request: web.Request) -> web.Response:
        symbols = self._symbols(request)
        if isinstance(symbols, web.Response):
            return symbols
        now = self.clock()
        rows = [
            {
                "symbol": s,
                "markPrice": num(self.triggers.mark(s)),
                "indexPrice": num(self.book.prices[s]),
                "estimatedSettlePrice": num(self.book.prices[s]),
                "lastFundingRate": num(market.last_funding_rate(self.book, s)),
                "interestRate": "0.00010000",
                "nextFundingTime": market.next_funding_time(now),
                "time": now,
            }
            for s in symbols
        ]
        return self._one_or_list(request, rows)

    async def _funding_rate(self, request: web.Request) -> web.Response:
        q = request.query
        symbol = q.get("symbol", "BTCUSDT")
        if symbol not in self.book.rules:
            return error(400, -1121, "Invalid symbol.")
        rows = market.funding_rates(
            self.book,
            symbol,
            optional_int(q.get("startTime")),
            optional_int(q.get("endTime")),
            min(int(q.get("limit", 100)), 1000),
        )
        return web.json_response(
            [
                {
                    "symbol": symbol,
                    "fundingTime": t,
                    "fundingRate": num(rate),
                    "markPrice": "" if mark is None else num(mark),
                }
                for t, rate, mark in rows
            ]
        )

    async def _klines(self, request: web.Request) -> web.Response:
        # Trade and mark klines, with the download tests' holes and faults (history.py).
        return await history.binance_klines(self, request)

    # ---- account -------------------------------------------------------------------------------

    async def _commission_rate(self, request: web.Request, p: Params) -> web.Response:
        symbol = p.get("symbol", "")
        if symbol not in self.book.rules:
            return error(400, -1121, "Invalid symbol.")
        # Binance's default USDⓈ-M tier (VIP 0).
        return web.json_response(
            {"symbol": symbol, "makerCommissionRate": "0.000200", "takerCommissionRate": "0.000500"}
        )

    async def _leverage_bracket(self, request: web.Request, p: Params) -> web.Response:
        brackets = data.leverage_brackets()
        wanted = [p["symbol"]] if "symbol" in p else sorted(brackets)
        rows = []
        for symbol in wanted:
            if symbol not in brackets:
                return error(400, -1121, "Invalid symbol.")
            rows.append(
                {
                    "symbol": symbol,
                    "brackets": [
                        {
                            "bracket": int(b["bracket"]),
                            "initialLeverage": int(b["initialLeverage"]),
                            "notionalCap": int(Decimal(b["notionalCap"])),
                            "notionalFloor": int(Decimal(b["notionalFloor"])),
                            "maintMarginRatio": float(b["maintMarginRatio"]),
                            "cum": float(b["cum"]),
                        }
                        for b in brackets[symbol]
                    ],
                }
            )
        return web.json_response(rows[0] if "symbol" in p else rows)

    def _asset_row(self) -> dict[str, Any]:
        book = self.book
        with book.lock:
            upnl = book.total_unrealized()
            position_margin = sum((book.position_margin(s) for s in book.positions), Decimal(0))
            order_margin = book.order_margin()
            available = book.available()
            return {
                "asset": book.asset,
                "walletBalance": num(book.wallet),
                "unrealizedProfit": num(upnl),
                "marginBalance": num(book.wallet + upnl),
                "maintMargin": "0",
                "initialMargin": num(position_margin + order_margin),
                "positionInitialMargin": num(position_margin),
                "openOrderInitialMargin": num(order_margin),
                "crossWalletBalance": num(book.wallet),
                "crossUnPnl": num(upnl),
                "availableBalance": num(available),
                "maxWithdrawAmount": num(available),
                "updateTime": self.clock(),
            }

    async def _balance(self, request: web.Request, p: Params) -> web.Response:
        row = self._asset_row()
        return web.json_response(
            [
                {
                    "accountAlias": "SgsR",
                    "asset": row["asset"],
                    "balance": row["walletBalance"],
                    "crossWalletBalance": row["crossWalletBalance"],
                    "crossUnPnl": row["crossUnPnl"],
                    "availableBalance": row["availableBalance"],
                    "maxWithdrawAmount": row["maxWithdrawAmount"],
                    "marginAvailable": True,
                    "updateTime": row["updateTime"],
                }
            ]
        )

    async def _account(self, request: web.Request, p: Params) -> web.Response:
        row = self._asset_row()
        positions = [self._position_v3(pos) for pos in self._open_positions()]
        return web.json_response(
            {
                "totalInitialMargin": row["initialMargin"],
                "totalMaintMargin": "0",
                "totalWalletBalance": row["walletBalance"],
                "totalUnrealizedProfit": row["unrealizedProfit"],
                "totalMarginBalance": row["marginBalance"],
                "totalPositionInitialMargin": row["positionInitialMargin"],
                "totalOpenOrderInitialMargin": row["openOrderInitialMargin"],
                "totalCrossWalletBalance": row["crossWalletBalance"],
                "totalCrossUnPnl": row["crossUnPnl"],
                "availableBalance": row["availableBalance"],
                "maxWithdrawAmount": row["maxWithdrawAmount"],
                "assets": [row],
                "positions": positions,
            }
        )

    def _open_positions(self, symbol: str | None = None) -> list[BookPosition]:
        with self.book.lock:
            return [
                self.book.position(s)
                for s, pos in self.book.positions.items()
                if pos.size != 0 and symbol in (None, s)
            ]

    def _liquidation_price(self, pos: BookPosition) -> Decimal:
        """Isolated-style estimate: entry moved by (1/leverage - maintenance rate)."""
        if pos.size == 0:
            return Decimal(0)
        brackets = data.leverage_brackets().get(pos.symbol)
        mmr = Decimal(brackets[0]["maintMarginRatio"]) if brackets else Decimal("0.004")
        move = Decimal(1) / self.book.leverage_of(pos.symbol) - mmr
        price = pos.entry * (1 - move) if pos.size > 0 else pos.entry * (1 + move)
        return price.quantize(self.book.rules[pos.symbol].tick)

    def _position_v3(self, pos: BookPosition) -> dict[str, Any]:
        book = self.book
        mark = self.triggers.mark(pos.symbol)
        notional = pos.size * mark
        margin = abs(notional) / book.leverage_of(pos.symbol)
        isolated = book.margin_mode_of(pos.symbol) == "isolated"
        return {
            "symbol": pos.symbol,
            "positionSide": "BOTH",
            "positionAmt": num(pos.size),
            "entryPrice": num(pos.entry),
            "breakEvenPrice": num(pos.entry),
            "markPrice": num(mark),
            "unRealizedProfit": num(book.unrealized(pos.symbol)),
            "liquidationPrice": num(self._liquidation_price(pos)),
            "isolatedMargin": num(margin) if isolated else "0",
            "notional": num(notional),
            "marginAsset": book.asset,
            "isolatedWallet": num(margin) if isolated else "0",
            "initialMargin": num(margin),
            "maintMargin": "0",
            "positionInitialMargin": num(margin),
            "openOrderInitialMargin": "0",
            "adl": 1,
            "bidNotional": "0",
            "askNotional": "0",
            "updateTime": pos.updated_ms,
        }

    async def _position_risk_v3(self, request: web.Request, p: Params) -> web.Response:
        symbol = p.get("symbol")
        if symbol is not None and symbol not in self.book.rules:
            return error(400, -1121, "Invalid symbol.")
        return web.json_response([self._position_v3(pos) for pos in self._open_positions(symbol)])

    async def _position_risk_v2(self, request: web.Request, p: Params) -> web.Response:
        symbol = p.get("symbol")
        rows = []
        for s, rules in self.book.rules.items():
            if rules.kind != "linear_swap" or symbol not in (None, s):
                continue
            pos = self.book.position(s)
            row = self._position_v3(pos)
            row.update(
                {
                    "marginType": self.book.margin_mode_of(s),
                    "isAutoAddMargin": "false",
                    "leverage": str(self.book.leverage_of(s)),
                    "maxNotionalValue": "1000000",
                }
            )
            rows.append(row)
        return web.json_response(rows)

    async def _dual_side(self, request: web.Request, p: Params) -> web.Response:
        return web.json_response({"dualSidePosition": self.faults.hedge_mode})

    async def _set_leverage(self, request: web.Request, p: Params) -> web.Response:
        symbol = p.get("symbol", "")
        leverage = p.get("leverage", "")
        if not leverage.isdigit():
            return error(400, -1102, "Mandatory parameter 'leverage' was not sent.")
        self.book.set_leverage(symbol, int(leverage))
        return web.json_response(
            {"leverage": int(leverage), "maxNotionalValue": "1000000", "symbol": symbol}
        )

    async def _set_margin_type(self, request: web.Request, p: Params) -> web.Response:
        mode = p.get("marginType", "").upper()
        if mode not in ("ISOLATED", "CROSSED"):
            return error(400, -1130, "Data sent for parameter 'marginType' is not valid.")
        changed = self.book.set_margin_mode(
            p.get("symbol", ""), "isolated" if mode == "ISOLATED" else "cross"
        )
        if not changed:
            return error(400, -4046, "No need to change margin type.")
        return web.json_response({"code": 200, "msg": "success"})

    # ---- orders --------------------------------------------------------------------------------

    def _order_json(self, order: BookOrder, *, query: bool = False) -> dict[str, Any]:
        rules = self.book.rules[order.symbol]
        row: dict[str, Any] = {
            "orderId": order.order_id,
            "symbol": order.symbol,
            "status": order.status,
            "clientOrderId": order.client_id,
            "price": "0" if order.price is None else num(order.price.quantize(rules.tick)),
            "avgPrice": num(order.avg_price.quantize(rules.tick / 100)),
            "origQty": num(order.qty.quantize(rules.step)),
            "executedQty": num(order.executed_qty.quantize(rules.step)),
            "cumQty": num(order.executed_qty.quantize(rules.step)),
            "cumQuote": num(order.cum_quote),
            "timeInForce": order.tif,
            "type": order.type,
            "reduceOnly": order.reduce_only,
            "closePosition": False,
            "side": order.side,
            "positionSide": "BOTH",
            "stopPrice": "0",
            "workingType": "CONTRACT_PRICE",
            "priceProtect": False,
            "origType": order.type,
            "priceMatch": "NONE",
            "selfTradePreventionMode": "EXPIRE_MAKER",
            "goodTillDate": 0,
            "updateTime": order.updated_ms,
        }
        if query:
            row["time"] = order.created_ms
        return row

    async def _new_order(self, request: web.Request, p: Params) -> web.Response:
        symbol = p.get("symbol", "")
        side = p.get("side", "")
        type_ = p.get("type", "")
        if side not in ("BUY", "SELL") or type_ not in ("MARKET", "LIMIT"):
            return error(400, -1116, "Invalid orderType.")
        if self.faults.hedge_mode and p.get("positionSide", "BOTH") == "BOTH":
            # Hedge (dual-side) mode wants LONG or SHORT on every order.
            return error(400, -4061, "Order's position side does not match user's setting.")
        client_id = p.get("newClientOrderId") or f"loopback_{len(self.book.orders) + 1}"
        if not CLIENT_ID.match(client_id):
            return error(
                400,
                -1100,
                "Illegal characters found in parameter 'newClientOrderId'; legal range is "
                "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
            )
        try:
            qty = Decimal(p.get("quantity", ""))
            price = Decimal(p["price"]) if "price" in p else None
        except ArithmeticError:
            return error(400, -1102, "Mandatory parameter 'quantity' was not sent.")
        tif = p.get("timeInForce", "GTC")
        if type_ == "LIMIT" and "timeInForce" not in p:
            return error(400, -1102, "Mandatory parameter 'timeInForce' was not sent.")
        order = self.book.place(
            symbol=symbol,
            side=side,  # type: ignore[arg-type]
            type=type_,  # type: ignore[arg-type]
            qty=qty,
            price=price,
            tif=tif,
            reduce_only=p.get("reduceOnly", "false") == "true",
            post_only=tif == "GTX",
            client_id=client_id,
        )
        self.faults.placed(client_id)
        return await self._after_submit(web.json_response(self._order_json(order)))

    def _lookup(self, p: Params) -> tuple[str, int | None, str | None] | web.Response:
        symbol = p.get("symbol", "")
        if symbol not in self.book.rules:
            return error(400, -1121, "Invalid symbol.")
        order_id = p.get("orderId")
        client_id = p.get("origClientOrderId")
        if order_id is None and client_id is None:
            return error(
                400,
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        return symbol, int(order_id) if order_id else None, client_id

    async def _cancel_order(self, request: web.Request, p: Params) -> web.Response:
        found = self._lookup(p)
        if isinstance(found, web.Response):
            return found
        symbol, order_id, client_id = found
        try:
            order = self.book.cancel(symbol, order_id=order_id, client_id=client_id)
        except Reject:
            return error(400, -2011, "Unknown order sent.")
        return await self._after_cancel(web.json_response(self._order_json(order)))

    async def _query_order(self, request: web.Request, p: Params) -> web.Response:
        found = self._lookup(p)
        if isinstance(found, web.Response):
            return found
        symbol, order_id, client_id = found
        order = self.book.find(symbol, order_id=order_id, client_id=client_id)
        if order is None or self.faults.take_hidden_lookup():
            return error(400, -2013, "Order does not exist.")
        if self.faults.lagging(order.client_id, queried=client_id is not None):
            return error(400, -2013, "Order does not exist.")
        return web.json_response(self._order_json(order, query=True))

    async def _open_orders(self, request: web.Request, p: Params) -> web.Response:
        symbol = p.get("symbol")
        if symbol is not None and symbol not in self.book.rules:
            return error(400, -1121, "Invalid symbol.")
        return web.json_response(
            [
                self._order_json(o, query=True)
                for o in self.book.open_orders(symbol)
                if not self.faults.lagging(o.client_id)
            ]
        )

    async def _all_orders(self, request: web.Request, p: Params) -> web.Response:
        symbol = p.get("symbol", "")
        with self.book.lock:
            rows = [
                self._order_json(o, query=True)
                for o in self.book.orders
                if o.symbol == symbol and not self.faults.lagging(o.client_id)
            ]
        return web.json_response(rows[-int(p.get("limit", 500)) :])

    async def _user_trades(self, request: web.Request, p: Params) -> web.Response:
        symbol = p.get("symbol")
        if symbol is None:
            return error(400, -1102, "Mandatory parameter 'symbol' was not sent.")
        start, end = _window(p, self.clock())
        if end - start > SEVEN_DAYS_MS:
            return error(400, -4166, "The interval between startTime and endTime is too long.")
        trades = self.book.trades_between(symbol, start, end, min(int(p.get("limit", 500)), 1000))
        rows = []
        for t in trades:
            placed = self.book.find(t.symbol, order_id=t.order_id)
            if placed is not None and self.faults.lagging(placed.client_id):
                continue
            rules = self.book.rules[t.symbol]
            rows.append(
                {
                    "buyer": t.side == "BUY",
                    "commission": num(t.fee),
                    "commissionAsset": self.book.asset,
                    "id": t.trade_id,
                    "maker": t.maker,
                    "orderId": t.order_id,
                    "price": num(t.price.quantize(rules.tick)),
                    "qty": num(t.qty.quantize(rules.step)),
                    "quoteQty": num(t.qty * t.price),
                    "realizedPnl": num(t.realized_pnl),
                    "side": t.side,
                    "positionSide": "BOTH",
                    "symbol": t.symbol,
                    "time": t.time_ms,
                }
            )
        return web.json_response(rows)

    async def _income(self, request: web.Request, p: Params) -> web.Response:
        kind = p.get("incomeType")
        if kind not in (None, "FUNDING_FEE"):
            return web.json_response([])
        symbol = p.get("symbol")
        start, end = _window(p, self.clock())
        limit = min(int(p.get("limit", 100)), 1000)
        with self.book.lock:
            events = [
                e
                for e in self.book.funding
                if symbol in (None, e.symbol) and start <= e.time_ms <= end
            ]
        return web.json_response(
            [
                {
                    "symbol": e.symbol,
                    "incomeType": "FUNDING_FEE",
                    "income": num(e.amount.quantize(Decimal("0.00000001"))),
                    "asset": self.book.asset,
                    "info": "FUNDING_FEE",
                    "time": e.time_ms,
                    "tranId": 9_000_000 + e.event_id,
                    "tradeId": "",
                }
                for e in events[:limit]
            ]
        )


def _strip_signature(query: str, body: str) -> tuple[str, str | None]:
    """Binance signs `query + body` with the `signature` parameter removed from wherever it is."""
    signature = None
    parts = []
    for text in (query, body):
        kept = []
        for piece in text.split("&") if text else []:
            if piece.startswith("signature="):
                signature = piece[len("signature=") :]
            else:
                kept.append(piece)
        parts.append("&".join(kept))
    return "".join(parts), signature


def _window(p: Params, now: int) -> tuple[int, int]:
    """Binance's window rule: with only startTime the window is 7 days from it; with neither, the
    last 7 days."""
    start, end = optional_int(p.get("startTime")), optional_int(p.get("endTime"))
    if start is None and end is None:
        return now - SEVEN_DAYS_MS, now
    if start is None:
        assert end is not None
        return end - SEVEN_DAYS_MS, end
    if end is None:
        return start, start + SEVEN_DAYS_MS
    return start, end
