"""Bybit v5 conditional orders on the loopback (linear category): /v5/order/create with
`triggerPrice`, `triggerDirection` (1: fires as the price rises to it, 2: as it falls),
`triggerBy` (LastPrice, the default, or MarkPrice), `reduceOnly` and `closeOnTrigger`.

Bybit keeps them in the ordinary order table with orderStatus `Untriggered` (`Deactivated` once
cancelled); /v5/order/realtime and /v5/order/history list them with plain orders unless
`orderFilter` says `Order` (plain only) or `StopOrder` (conditional only). When one fires it keeps
its orderId and orderLinkId and becomes a market (or limit) order, so its executions carry the
same orderLinkId."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.loopback.book import Reject
from tests.loopback.triggers import Trigger

if TYPE_CHECKING:
    from tests.loopback.bybit import BybitVenue

Params = dict[str, Any]
STATUS = {"NEW": "Untriggered", "CANCELED": "Deactivated", "REJECTED": "Rejected"}
CHILD_STATUS = {"FILLED": "Filled", "NEW": "New", "PARTIALLY_FILLED": "PartiallyFilled"}


def num(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


async def create(venue: BybitVenue, p: Params) -> web.Response:
    side = {"Buy": "BUY", "Sell": "SELL"}.get(str(p.get("side")))
    order_type = str(p.get("orderType"))
    direction = {"1": 1, "2": -1}.get(str(p.get("triggerDirection")))
    if side is None or order_type not in ("Market", "Limit"):
        return venue.fail(10001, "params error: side or orderType invalid")
    if direction is None:
        return venue.fail(10001, "params error: triggerDirection invalid")
    trigger_by = str(p.get("triggerBy") or "LastPrice")
    if trigger_by not in ("LastPrice", "MarkPrice"):
        return venue.fail(10001, "params error: triggerBy invalid")
    client_id = str(p.get("orderLinkId") or f"loopback{len(venue.triggers.items) + 1}")
    if len(client_id) > 36:
        return venue.fail(10001, "params error: orderLinkId is too long")
    try:
        qty = Decimal(str(p.get("qty", "")))
        trigger_price = Decimal(str(p["triggerPrice"]))
        price = Decimal(str(p["price"])) if order_type == "Limit" else None
    except (KeyError, ArithmeticError):
        return venue.fail(10001, "params error: qty or triggerPrice invalid")
    # A stop buys rising / sells falling; the venue only records which way it was told.
    stop = (direction > 0) == (side == "BUY")
    try:
        if any(o.client_id == client_id for o in venue.book.orders):
            raise Reject("duplicate_client_id", client_id)
        trigger = venue.triggers.add(
            client_id=client_id,
            symbol=str(p.get("symbol", "")),
            side=side,  # type: ignore[arg-type]
            kind="STOP" if stop else "TAKE_PROFIT",
            qty=qty,
            trigger_price=trigger_price,
            watch="mark" if trigger_by == "MarkPrice" else "last",
            direction=direction,
            price=price,
            close_position=_flag(p.get("closeOnTrigger")),
            reduce_only=_flag(p.get("reduceOnly")),
            unique="all",
        )
    except Reject as reject:
        if reject.kind == "would_trigger":
            rising = "Rising" if direction > 0 else "Falling"
            return venue.fail(110092, f"expect {rising}, but trigger_price is on the other side")
        return venue._reject(reject)
    venue.faults.placed(client_id)
    response = venue.ok({"orderId": str(trigger.trigger_id), "orderLinkId": trigger.client_id})
    return await venue._after_submit(response)


def child_order_id(trigger: Trigger) -> int:
    """A fired conditional order keeps its orderId."""
    return trigger.trigger_id


def cancel(venue: BybitVenue, p: Params) -> Trigger | None:
    """The open conditional order a cancel names, cancelled; None when it names none."""
    order_id, client_id = p.get("orderId"), p.get("orderLinkId")
    found = venue.triggers.find(
        str(p.get("symbol", "")),
        trigger_id=int(order_id) if order_id else None,
        client_id=client_id,
    )
    if found is None or not found.is_open:
        return None
    return venue.triggers.cancel(found.symbol, trigger_id=found.trigger_id)


def listed(
    venue: BybitVenue, p: Params, *, open_only: bool, hidden_taken: bool = False
) -> list[dict[str, Any]]:
    """`hidden_taken`: the plain listing of the same query already used up a hidden lookup."""
    symbol, order_id, client_id = p.get("symbol"), p.get("orderId"), p.get("orderLinkId")
    if (order_id or client_id) and not hidden_taken and venue.faults.take_hidden_lookup():
        return []
    with venue.book.lock:
        rows = [
            row(venue, t)
            for t in reversed(venue.triggers.items)
            if symbol in (None, t.symbol)
            and t.is_open == open_only
            and order_id in (None, str(t.trigger_id))
            and client_id in (None, t.client_id)
            and not venue.faults.lagging(t.client_id, queried=client_id is not None)
        ]
    return rows[: int(p.get("limit", 50))]


def row(venue: BybitVenue, t: Trigger) -> dict[str, Any]:
    rules = venue.book.rules[t.symbol]
    child = t.child
    status = STATUS.get(t.status) or CHILD_STATUS.get(child.status if child else "", "Filled")
    executed = child.executed_qty if child else Decimal(0)
    return {
        "orderId": str(t.trigger_id),
        "orderLinkId": t.client_id,
        "blockTradeId": "",
        "symbol": t.symbol,
        "price": "0" if t.price is None else num(t.price.quantize(rules.tick)),
        "qty": num(t.qty.quantize(rules.step)),
        "side": "Buy" if t.side == "BUY" else "Sell",
        "isLeverage": "",
        "positionIdx": 0,
        "orderStatus": status,
        "cancelType": "CancelByUser" if t.status == "CANCELED" else "UNKNOWN",
        "rejectReason": "EC_NoError",
        "avgPrice": num(child.avg_price) if child and executed else "",
        "leavesQty": num(t.qty) if t.is_open else "0",
        "leavesValue": "0",
        "cumExecQty": num(executed),
        "cumExecValue": num(child.cum_quote) if child else "0",
        "cumExecFee": "0",
        "timeInForce": "GTC" if t.price is not None else "IOC",
        "orderType": "Market" if t.price is None else "Limit",
        "stopOrderType": "Stop",
        "orderIv": "",
        "triggerPrice": num(t.trigger_price.quantize(rules.tick)),
        "takeProfit": "",
        "stopLoss": "",
        "tpTriggerBy": "",
        "slTriggerBy": "",
        "triggerDirection": 1 if t.direction > 0 else 2,
        "triggerBy": "MarkPrice" if t.watch == "mark" else "LastPrice",
        "lastPriceOnCreated": "",
        "reduceOnly": t.reduce_only,
        "closeOnTrigger": t.close_position,
        "smpType": "None",
        "smpGroup": 0,
        "smpOrderId": "",
        "tpslMode": "",
        "tpLimitPrice": "",
        "slLimitPrice": "",
        "placeType": "",
        "createdTime": str(t.created_ms),
        "updatedTime": str(t.updated_ms),
    }
