"""OKX protective orders: an algo order (/api/v5/trade/order-algo, ordType `conditional`,
slTriggerPx / tpTriggerPx with slTriggerPxType / tpTriggerPxType mark or last, `algoClOrdId`;
`closeFraction=1` to close the position), cancelled with /trade/cancel-algos and listed with
/trade/orders-algo-pending. When it fires, OKX places an ordinary order that names the algo order in
`algoClOrdId`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot_v2.adapters.venues.protective_style import Params, ProtectiveStyle, trigger, trigger_key
from bot_v2.domain.orders import OrderRequest, OrderType, TriggerPrice


def _okx_create(request: OrderRequest) -> Params:
    take_profit = request.type is OrderType.TAKE_PROFIT_MARKET
    mark = "mark" if request.trigger_by is TriggerPrice.MARK else "last"
    params: Params = {
        # The algo order's client id; ccxt's clientOrderId would become an ordinary clOrdId.
        "algoClOrdId": request.client_order_id,
        trigger_key(request): trigger(request),
        ("tpTriggerPxType" if take_profit else "slTriggerPxType"): mark,
        "reduceOnly": True,
    }
    if request.close_position:
        params["closeFraction"] = "1"
    return params


def _okx_take_profit(info: Mapping[str, Any]) -> bool | None:
    if info.get("slTriggerPx"):
        return False
    return True if info.get("tpTriggerPx") else None


STYLE = ProtectiveStyle(
    exchange_id="okx",
    create_params=_okx_create,
    lookup_params=lambda cid: {"clientOrderId": cid, "trigger": True},
    cancel_params=lambda cid: {"clientOrderId": cid, "trigger": True},
    list_params={"trigger": True, "ordType": "conditional"},
    lookup="fetch_order",
    client_id_of=lambda info: str(info.get("algoClOrdId") or ""),
    watches_mark=lambda info: "mark" in (info.get("slTriggerPxType"), info.get("tpTriggerPxType")),
    closes_position=lambda info: str(info.get("closeFraction") or "") == "1",
    is_take_profit=_okx_take_profit,
    limit_price_of=lambda info: next(
        (px for px in (info.get("slOrdPx"), info.get("tpOrdPx")) if px not in (None, "", "-1")),
        None,
    ),
)
