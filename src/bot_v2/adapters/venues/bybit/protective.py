"""Bybit protective orders: a conditional order in the ordinary order table (/v5/order/create with
triggerPrice, triggerDirection, triggerBy MarkPrice / LastPrice, reduceOnly; `closeOnTrigger` to close
the position), same orderId and orderLinkId before and after it fires; listed apart with
orderFilter=StopOrder (plain listings must ask for orderFilter=Order to leave them out)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot_v2.adapters.venues.protective_style import (
    Params,
    ProtectiveStyle,
    trigger,
    trigger_key,
    truthy,
)
from bot_v2.domain.orders import OrderRequest, TriggerPrice


def _bybit_create(request: OrderRequest) -> Params:
    params: Params = {
        "orderLinkId": request.client_order_id,
        trigger_key(request): trigger(request),
        "triggerBy": "MarkPrice" if request.trigger_by is TriggerPrice.MARK else "LastPrice",
        "reduceOnly": True,
    }
    if request.close_position:
        params["closeOnTrigger"] = True
    return params


def _bybit_take_profit(info: Mapping[str, Any]) -> bool | None:
    # triggerDirection 1: fires as the price rises. A sell that fires rising takes profit on a
    # long; a buy that fires falling takes profit on a short.
    direction = str(info.get("triggerDirection") or "")
    side = str(info.get("side") or "")
    if direction not in ("1", "2") or side not in ("Buy", "Sell"):
        return None
    return (direction == "1") == (side == "Sell")


STYLE = ProtectiveStyle(
    exchange_id="bybit",
    create_params=_bybit_create,
    lookup_params=lambda cid: {"orderLinkId": cid, "trigger": True},
    # Bybit cancels a linear conditional order like any other; ccxt would send `trigger` as is.
    cancel_params=lambda cid: {"orderLinkId": cid},
    list_params={"trigger": True},
    lookup="open_then_closed",
    client_id_of=lambda info: str(info.get("orderLinkId") or ""),
    watches_mark=lambda info: info.get("triggerBy") == "MarkPrice",
    closes_position=lambda info: truthy(info.get("closeOnTrigger")),
    is_take_profit=_bybit_take_profit,
    plain_list_params={"orderFilter": "Order"},
)
