"""OKX v5 algo orders on the loopback, for USDT swaps in net mode: `conditional` (one-way TP/SL)
placed with POST /api/v5/trade/order-algo (slTriggerPx / tpTriggerPx, slOrdPx / tpOrdPx -1 for
market, slTriggerPxType / tpTriggerPxType `last` (default) or `mark`, `algoClOrdId`, `reduceOnly`,
`closeFraction=1` to close the position, sz in contracts), read with GET /trade/order-algo,
listed with GET /trade/orders-algo-pending (ordType required), cancelled with POST
/trade/cancel-algos (a JSON array of {instId, algoId | algoClOrdId}).

An algo order has its own `algoId`; its state is `live`, then `effective` once it fired,
`canceled`, or `order_failed`. When it fires, OKX places an ordinary order with a new ordId and an
empty clOrdId that names the algo order in `algoId` / `algoClOrdId`; its fills carry that ordId."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.loopback.book import BookOrder, Reject
from tests.loopback.triggers import Trigger

if TYPE_CHECKING:
    from tests.loopback.okx import OkxVenue

Params = dict[str, Any]
STATE = {
    "NEW": "live",
    "TRIGGERED": "effective",
    "CANCELED": "canceled",
    "REJECTED": "order_failed",
}
NOT_FOUND = ("51603", "Order does not exist")
CANCEL_FAILED = (
    "51400",
    "Order cancellation failed as the order has been filled, canceled or does not exist.",
)


def routes(venue: OkxVenue) -> list[web.RouteDef]:
    s = venue._signed
    return [
        web.post("/api/v5/trade/order-algo", s(lambda r, p: _place(venue, p))),
        web.get("/api/v5/trade/order-algo", s(lambda r, p: _get(venue, p))),
        web.get("/api/v5/trade/orders-algo-pending", s(lambda r, p: _pending(venue, p))),
        web.post("/api/v5/trade/cancel-algos", s(lambda r, p: _cancel(venue, p))),
    ]


def child_client_id(trigger: Trigger) -> str:
    """The order a fired algo order places has no clOrdId of its own."""
    return ""


def parent_of(venue: OkxVenue, order: BookOrder) -> Trigger | None:
    """The algo order that placed `order`, if one did."""
    for trigger in venue.triggers.items:
        if trigger.child is not None and trigger.child.order_id == order.order_id:
            return trigger
    return None


def _ack(venue: OkxVenue, p: Params, code: str, msg: str, algo_id: str = "") -> dict[str, str]:
    return {
        "algoId": algo_id,
        "clOrdId": "",
        "algoClOrdId": str(p.get("algoClOrdId", "")),
        "sCode": code,
        "sMsg": msg,
        "tag": str(p.get("tag", "")),
    }


def _failed(venue: OkxVenue, p: Params, code: str, msg: str) -> web.Response:
    row = _ack(venue, p, code, msg)
    return web.json_response({"code": "1", "msg": "", "data": [row]})


async def _place(venue: OkxVenue, p: Params) -> web.Response:
    if p.get("ordType") != "conditional":
        return _failed(venue, p, "51000", "Parameter ordType error")
    side = {"buy": "BUY", "sell": "SELL"}.get(str(p.get("side")))
    take_profit = p.get("tpTriggerPx") not in (None, "")
    stop_loss = p.get("slTriggerPx") not in (None, "")
    if side is None or take_profit == stop_loss:
        return _failed(venue, p, "51000", "Parameter side or trigger price error")
    if str(p.get("tdMode")) not in ("cross", "isolated"):
        return _failed(venue, p, "51000", "Parameter tdMode error")
    client_id = str(p.get("algoClOrdId") or "")
    if client_id and not (client_id.isalnum() and client_id.isascii() and len(client_id) <= 32):
        return _failed(venue, p, "51000", "Parameter algoClOrdId error")
    prefix = "tp" if take_profit else "sl"
    kind = str(p.get(f"{prefix}TriggerPxType") or "last")
    if kind not in ("last", "mark"):
        return _failed(venue, p, "51000", f"Parameter {prefix}TriggerPxType error")
    close_position = str(p.get("closeFraction") or "") == "1"
    reduce_only = str(p.get("reduceOnly", "false")).lower() == "true"
    if close_position and not reduce_only:
        return _failed(venue, p, "51000", "Parameter reduceOnly error")
    try:
        rules = venue._rules_for(p.get("instId"))
        contracts = Decimal(str(p.get("sz") or "0"))
        trigger_price = Decimal(str(p[f"{prefix}TriggerPx"]))
        order_px = str(p.get(f"{prefix}OrdPx") or "-1")
        price = None if order_px == "-1" else Decimal(order_px)
        if close_position and contracts:
            raise Reject("bad_param", "Parameter sz error")
        # A stop-loss sells as the price falls (buys as it rises); a take-profit the reverse.
        direction = 1 if (side == "BUY") != take_profit else -1
        trigger = venue.triggers.add(
            client_id=client_id,
            symbol=rules.symbol,
            side=side,  # type: ignore[arg-type]
            kind="TAKE_PROFIT" if take_profit else "STOP",
            qty=contracts * venue.ct_val(rules.symbol),
            trigger_price=trigger_price,
            watch="mark" if kind == "mark" else "last",
            direction=direction,
            price=price,
            close_position=close_position,
            reduce_only=reduce_only,
            unique="all",
        )
    except (KeyError, ArithmeticError):
        return _failed(venue, p, "51000", f"Parameter {prefix}TriggerPx error")
    except Reject as reject:
        if reject.kind == "would_trigger":
            if take_profit:
                return _failed(
                    venue, p, "51279", "TP trigger price cannot be lower than the last price"
                )
            return _failed(
                venue, p, "51278", "SL trigger price cannot be higher than the last price"
            )
        if reject.kind == "duplicate_client_id":
            return _failed(venue, p, "51016", "Duplicated algoClOrdId")
        from tests.loopback.okx import _reject_code

        code, msg = _reject_code(reject)
        return _failed(venue, p, code, msg)
    venue.faults.placed(client_id)
    row = _ack(venue, p, "0", "Order placed", str(trigger.trigger_id))
    return await venue._after_submit(venue.ok([row]))


def algo_row(venue: OkxVenue, t: Trigger) -> dict[str, Any]:
    rules = venue.book.rules[t.symbol]
    child = t.child
    take_profit = t.kind == "TAKE_PROFIT"
    trigger_px = str(t.trigger_price)
    order_px = "-1" if t.price is None else str(t.price)
    watch = "mark" if t.watch == "mark" else "last"
    return {
        "instType": "SWAP",
        "instId": venue.inst_id(rules),
        "ordId": "" if child is None else str(child.order_id),
        "ordIdList": [] if child is None else [str(child.order_id)],
        "algoId": str(t.trigger_id),
        "clOrdId": "",
        "algoClOrdId": t.client_id,
        "sz": "" if t.close_position else venue.contracts(t.symbol, t.qty),
        "closeFraction": "1" if t.close_position else "",
        "ordType": "conditional",
        "side": t.side.lower(),
        "posSide": "net",
        "tdMode": venue.book.margin_mode_of(t.symbol),
        "tgtCcy": "",
        "state": STATE[t.status],
        "lever": str(venue.book.leverage_of(t.symbol)),
        "tpTriggerPx": trigger_px if take_profit else "",
        "tpTriggerPxType": watch if take_profit else "",
        "tpOrdPx": order_px if take_profit else "",
        "slTriggerPx": "" if take_profit else trigger_px,
        "slTriggerPxType": "" if take_profit else watch,
        "slOrdPx": "" if take_profit else order_px,
        "triggerPx": "",
        "triggerPxType": "",
        "ordPx": "",
        "actualSz": "" if child is None else venue.contracts(t.symbol, child.executed_qty),
        "actualPx": "" if child is None else str(child.avg_price),
        "actualSide": "" if child is None else ("tp" if take_profit else "sl"),
        "triggerTime": "" if child is None else str(t.updated_ms),
        "reduceOnly": "true" if t.reduce_only else "false",
        "tag": "",
        "cTime": str(t.created_ms),
        "uTime": str(t.updated_ms),
    }


async def _get(venue: OkxVenue, p: Params) -> web.Response:
    algo_id, client_id = p.get("algoId"), p.get("algoClOrdId")
    if not (algo_id or client_id):
        return venue.fail("51000", "Parameter algoId error")
    found = venue.triggers.find(
        None, trigger_id=int(algo_id) if algo_id else None, client_id=client_id
    )
    if found is None or venue.faults.take_hidden_lookup():
        return venue.fail(*NOT_FOUND)
    if venue.faults.lagging(found.client_id, queried=client_id is not None):
        return venue.fail(*NOT_FOUND)
    with venue.book.lock:
        return venue.ok([algo_row(venue, found)])


async def _pending(venue: OkxVenue, p: Params) -> web.Response:
    if not p.get("ordType"):
        return venue.fail("51000", "Parameter ordType error")
    if "conditional" not in str(p["ordType"]).split(","):
        return venue.ok([])
    wanted = {r.symbol for r in venue._swap_rules(p)}
    with venue.book.lock:
        rows = [
            algo_row(venue, t)
            for t in reversed(venue.triggers.open())
            if t.symbol in wanted and not venue.faults.lagging(t.client_id)
        ]
    return venue.ok(rows[: min(int(p.get("limit") or 100), 100)])


async def _cancel(venue: OkxVenue, p: Params) -> web.Response:
    batch = p.get("_list")
    if not isinstance(batch, list) or not batch or len(batch) > 10:
        return venue.fail("51000", "Parameter algoId error")
    rows, failed = [], 0
    for item in batch:
        algo_id, client_id = item.get("algoId"), item.get("algoClOrdId")
        found = venue.triggers.find(
            None, trigger_id=int(algo_id) if algo_id else None, client_id=client_id
        )
        if found is None or not found.is_open:
            failed += 1
            rows.append(_ack(venue, item, *CANCEL_FAILED, str(algo_id or "")))
            continue
        venue.triggers.cancel(found.symbol, trigger_id=found.trigger_id)
        rows.append(_ack(venue, {"algoClOrdId": found.client_id}, "0", "", str(found.trigger_id)))
    code = "0" if not failed else ("1" if failed == len(rows) else "2")
    return await venue._after_cancel(web.json_response({"code": code, "msg": "", "data": rows}))
