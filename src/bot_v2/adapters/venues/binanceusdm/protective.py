"""Binance USDⓈ-M protective orders: the Algo Service (POST/GET/DELETE /fapi/v1/algoOrder,
/fapi/v1/openAlgoOrders), which ccxt picks for a swap order carrying stopLossPrice / takeProfitPrice /
`trigger`. The order has its own `algoId` and `clientAlgoId`; `workingType` MARK_PRICE /
CONTRACT_PRICE chooses the price it watches; `closePosition=true` closes whatever position there is
(sent without a quantity or reduceOnly, which Binance refuses alongside it)."""

from __future__ import annotations

from bot_v2.adapters.venues.protective_style import (
    Params,
    ProtectiveStyle,
    trigger,
    trigger_key,
    truthy,
)
from bot_v2.domain.orders import OrderRequest, TriggerPrice


def _binance_create(request: OrderRequest) -> Params:
    params: Params = {
        "clientOrderId": request.client_order_id,
        trigger_key(request): trigger(request),
        "workingType": "MARK_PRICE"
        if request.trigger_by is TriggerPrice.MARK
        else "CONTRACT_PRICE",
    }
    if request.close_position:
        params["closePosition"] = True
    else:
        params["reduceOnly"] = True
    return params


STYLE = ProtectiveStyle(
    exchange_id="binanceusdm",
    create_params=_binance_create,
    lookup_params=lambda cid: {"clientOrderId": cid, "trigger": True},
    cancel_params=lambda cid: {"clientOrderId": cid, "trigger": True},
    list_params={"trigger": True},
    lookup="fetch_order",
    client_id_of=lambda info: str(info.get("clientAlgoId") or ""),
    watches_mark=lambda info: info.get("workingType") == "MARK_PRICE",
    closes_position=lambda info: truthy(info.get("closePosition")),
    is_take_profit=lambda info: str(info.get("orderType") or "").startswith("TAKE_PROFIT"),
)
