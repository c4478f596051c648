"""Kraken Futures protective orders: a trigger order sent like any order (POST sendorder with
`orderType` `stp` or `take_profit`, `stopPrice`, `triggerSignal` mark / last, `reduceOnly`, our id
in `cliOrdId`), found through orders/status by `cliOrdIds`, cancelled through batchorder by
`cliOrdId`, and listed by openorders together with the plain orders (`is_conditional` splits them).
When it fires it becomes a market order under the same order id and client id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot_v2.adapters.venues.protective_style import Params, ProtectiveStyle, trigger, trigger_key
from bot_v2.domain.orders import OrderRequest, TriggerPrice


def _kraken_create(request: OrderRequest) -> Params:
    # ccxt sends stopLossPrice as orderType `stp`, takeProfitPrice as `take_profit`, both
    # reduce-only, with the stopPrice and the triggerSignal (mark / last) Kraken watches. Kraken
    # has no close-position flag: a reduce-only order of the size asked closes at most the
    # position (the venue clamps it).
    return {
        "cliOrdId": request.client_order_id,
        trigger_key(request): trigger(request),
        "triggerSignal": "mark" if request.trigger_by is TriggerPrice.MARK else "last",
        "reduceOnly": True,
    }


def _kraken_signal(info: Mapping[str, Any]) -> str:
    # openorders: triggerSignal "mark_price"; orders/status: priceTriggerOptions.triggerSignal
    # "MARK_PRICE"; a sendorder acknowledgement: orderEvents[].orderTrigger.triggerSignal.
    options = info.get("priceTriggerOptions") or {}
    placed = _kraken_trigger_event(info)
    return str(
        info.get("triggerSignal") or options.get("triggerSignal") or placed.get("triggerSignal")
    ).lower()


def _kraken_trigger_event(info: Mapping[str, Any]) -> Mapping[str, Any]:
    for event in info.get("orderEvents") or []:
        if isinstance(event, Mapping) and event.get("orderTrigger"):
            return dict(event["orderTrigger"])
    return {}


def _kraken_order(info: Mapping[str, Any]) -> Mapping[str, Any]:
    return dict(info.get("order") or {}) or _kraken_trigger_event(info) or info


def _kraken_conditional(info: Mapping[str, Any]) -> bool:
    order = _kraken_order(info)
    kind = str(order.get("orderType") or order.get("type") or "").lower()
    return kind in ("stop", "stp", "take_profit", "trigger_order") or bool(
        order.get("priceTriggerOptions") or order.get("triggerSignal")
    )


def _kraken_take_profit(info: Mapping[str, Any]) -> bool | None:
    order = _kraken_order(info)
    kind = str(order.get("orderType") or order.get("type") or "").lower()
    if kind in ("stop", "stp"):
        return False
    if kind == "take_profit":
        return True
    # orders/status names no kind: a sell that fires rising (or a buy falling) takes profit.
    side = str(order.get("side") or order.get("direction") or "").lower()
    rising = str(
        (order.get("priceTriggerOptions") or {}).get("triggerSide") or order.get("triggerSide")
    ).lower()
    if side not in ("buy", "sell") or ("above" not in rising and "below" not in rising):
        return None
    return ("above" in rising) == (side == "sell")


STYLE = ProtectiveStyle(
    exchange_id="krakenfutures",
    create_params=_kraken_create,
    lookup_params=lambda cid: {"cliOrdIds": cid},
    cancel_params=lambda cid: {"clientOrderIds": [cid]},
    list_params={},
    lookup="fetch_orders",
    client_id_of=lambda info: str(
        _kraken_order(info).get("cliOrdId") or _kraken_order(info).get("clientId") or ""
    ),
    watches_mark=lambda info: "mark" in _kraken_signal(info),
    closes_position=lambda info: False,
    is_take_profit=_kraken_take_profit,
    is_conditional=_kraken_conditional,
)
