"""Binance USDⓈ-M conditional orders on the loopback: the Algo Service endpoints that took over
STOP_MARKET / TAKE_PROFIT_MARKET / STOP / TAKE_PROFIT from /fapi/v1/order in December 2025
(POST/GET/DELETE /fapi/v1/algoOrder, GET /fapi/v1/openAlgoOrders), in Binance's wire format.

An algo order has its own id (`algoId`) and client id (`clientAlgoId`). It watches the mark price
(`workingType=MARK_PRICE`) or the last price (`CONTRACT_PRICE`, the default). When it fires, the
matching engine gets a market order (a limit one for STOP / TAKE_PROFIT) with a new `orderId` and the
algo's `clientAlgoId` as its `clientOrderId`; the algo order turns FINISHED and names that order
in `actualOrderId`. Its fill shows in /fapi/v1/userTrades under that orderId, like any order's."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.loopback.book import Reject
from tests.loopback.triggers import Trigger

if TYPE_CHECKING:
    from tests.loopback.binanceusdm import BinanceUsdmVenue

Params = dict[str, str]
CLIENT_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
TYPES = ("STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT")
STATUS = {"NEW": "NEW", "TRIGGERED": "FINISHED", "CANCELED": "CANCELED", "REJECTED": "REJECTED"}


def error(status: int, code: int, msg: str) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status)


def num(value: Decimal) -> str:
    return format(value, "f")


def routes(venue: BinanceUsdmVenue) -> list[web.RouteDef]:
    s = venue._signed
    return [
        web.post("/fapi/v1/algoOrder", s(lambda r, p: _new(venue, p))),
        web.get("/fapi/v1/algoOrder", s(lambda r, p: _query(venue, p))),
        web.delete("/fapi/v1/algoOrder", s(lambda r, p: _cancel(venue, p))),
        web.get("/fapi/v1/openAlgoOrders", s(lambda r, p: _open(venue, p))),
    ]


def algo_json(venue: BinanceUsdmVenue, t: Trigger) -> dict[str, Any]:
    rules = venue.book.rules[t.symbol]
    child = t.child
    return {
        "algoId": t.trigger_id,
        "clientAlgoId": t.client_id,
        "algoType": "CONDITIONAL",
        "orderType": t.kind,
        "symbol": t.symbol,
        "side": t.side,
        "positionSide": "BOTH",
        "timeInForce": "GTC",
        "quantity": num(t.qty.quantize(rules.step)),
        "algoStatus": STATUS[t.status],
        "actualOrderId": "" if child is None else str(child.order_id),
        "actualPrice": "0" if child is None else num(child.avg_price),
        "triggerPrice": num(t.trigger_price.quantize(rules.tick)),
        "price": "0" if t.price is None else num(t.price.quantize(rules.tick)),
        "icebergQuantity": None,
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "workingType": "MARK_PRICE" if t.watch == "mark" else "CONTRACT_PRICE",
        "priceMatch": "NONE",
        "closePosition": t.close_position,
        "priceProtect": False,
        "reduceOnly": t.reduce_only,
        "createTime": t.created_ms,
        "updateTime": t.updated_ms,
        "triggerTime": t.updated_ms if t.status == "TRIGGERED" else 0,
        "goodTillDate": 0,
    }


def _direction(kind: str, side: str) -> int:
    """A stop buys when the price rises to it and sells when it falls; a take-profit the reverse."""
    stop = kind.startswith("STOP")
    return 1 if (side == "BUY") == stop else -1


async def _new(venue: BinanceUsdmVenue, p: Params) -> web.Response:
    if p.get("algoType") != "CONDITIONAL":
        return error(400, -1102, "Mandatory parameter 'algoType' was not sent, was empty/null.")
    symbol, side, kind = p.get("symbol", ""), p.get("side", ""), p.get("type", "")
    if side not in ("BUY", "SELL") or kind not in TYPES:
        return error(400, -1116, "Invalid orderType.")
    if symbol not in venue.book.rules:
        return error(400, -1121, "Invalid symbol.")
    client_id = p.get("clientAlgoId") or f"loopback_algo_{len(venue.triggers.items) + 1}"
    if not CLIENT_ID.match(client_id):
        return error(400, -1100, "Illegal characters found in parameter 'clientAlgoId'.")
    close_position = p.get("closePosition", "false").lower() == "true"
    reduce_only = p.get("reduceOnly", "false").lower() == "true"
    if close_position and "quantity" in p:
        return error(400, -1106, "Parameter 'quantity' sent when not required.")
    if close_position and "reduceOnly" in p:
        return error(400, -1106, "Parameter 'reduceOnly' sent when not required.")
    if not close_position and "quantity" not in p:
        return error(400, -1102, "Mandatory parameter 'quantity' was not sent.")
    working = p.get("workingType", "CONTRACT_PRICE")
    if working not in ("MARK_PRICE", "CONTRACT_PRICE"):
        return error(400, -1115, "Invalid workingType.")
    try:
        trigger_price = Decimal(p["triggerPrice"])
        qty = Decimal(p.get("quantity", "0"))
        price = Decimal(p["price"]) if kind in ("STOP", "TAKE_PROFIT") else None
    except (KeyError, ArithmeticError):
        return error(400, -1102, "Mandatory parameter 'triggerPrice' was not sent.")
    try:
        trigger = venue.triggers.add(
            client_id=client_id,
            symbol=symbol,
            side=side,  # type: ignore[arg-type]
            kind=kind,
            qty=qty,
            trigger_price=trigger_price,
            watch="mark" if working == "MARK_PRICE" else "last",
            direction=_direction(kind, side),
            price=price,
            close_position=close_position,
            reduce_only=reduce_only or close_position,
            unique="open",
        )
    except Reject as reject:
        if reject.kind == "would_trigger":
            return error(400, -2021, "Order would immediately trigger.")
        if reject.kind == "duplicate_client_id":
            return error(400, -4116, "ClientOrderId is duplicated.")
        return venue._reject(reject)
    venue.faults.placed(client_id)
    return await venue._after_submit(web.json_response(algo_json(venue, trigger)))


def _find(venue: BinanceUsdmVenue, p: Params) -> Trigger | web.Response:
    algo_id, client_id = p.get("algoId"), p.get("clientAlgoId")
    if algo_id is None and client_id is None:
        return error(400, -1102, "Param 'algoId' or 'clientAlgoId' must be sent.")
    found = venue.triggers.find(
        None, trigger_id=int(algo_id) if algo_id else None, client_id=client_id
    )
    if found is None:
        return error(400, -2013, "Order does not exist.")
    return found


async def _query(venue: BinanceUsdmVenue, p: Params) -> web.Response:
    found = _find(venue, p)
    if isinstance(found, web.Response):
        return found
    if venue.faults.take_hidden_lookup() or venue.faults.lagging(
        found.client_id, queried=p.get("clientAlgoId") is not None
    ):
        return error(400, -2013, "Order does not exist.")
    return web.json_response(algo_json(venue, found))


async def _cancel(venue: BinanceUsdmVenue, p: Params) -> web.Response:
    found = _find(venue, p)
    if isinstance(found, web.Response) or not found.is_open:
        return error(400, -2011, "Unknown order sent.")
    venue.triggers.cancel(found.symbol, trigger_id=found.trigger_id)
    row = {
        "algoId": found.trigger_id,
        "clientAlgoId": found.client_id,
        "code": "200",
        "msg": "success",
    }
    return await venue._after_cancel(web.json_response(row))


async def _open(venue: BinanceUsdmVenue, p: Params) -> web.Response:
    symbol = p.get("symbol")
    if symbol is not None and symbol not in venue.book.rules:
        return error(400, -1121, "Invalid symbol.")
    rows = [
        algo_json(venue, t)
        for t in venue.triggers.open(symbol)
        if not venue.faults.lagging(t.client_id)
    ]
    return web.json_response(rows)
