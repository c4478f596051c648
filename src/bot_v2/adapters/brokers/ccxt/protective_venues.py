"""How each venue holds conditional (protective) orders, as ccxt's unified calls reach them: the
parameters of a placement, a lookup, a cancel and a listing, and how to read a venue's answer back.
Pure; protective.py makes the calls.

- binanceusdm: the Algo Service (POST/GET/DELETE /fapi/v1/algoOrder, /fapi/v1/openAlgoOrders),
  which ccxt picks for a swap order carrying stopLossPrice / takeProfitPrice / `trigger`. The order
  has its own `algoId` and `clientAlgoId`; `workingType` MARK_PRICE / CONTRACT_PRICE chooses the
  price it watches; `closePosition=true` closes whatever position there is (sent without a
  quantity or reduceOnly, which Binance refuses alongside it).
- bybit: a conditional order in the ordinary order table (/v5/order/create with triggerPrice,
  triggerDirection, triggerBy MarkPrice / LastPrice, reduceOnly; `closeOnTrigger` to close the
  position), same orderId and orderLinkId before and after it fires; listed apart with
  orderFilter=StopOrder (plain listings must ask for orderFilter=Order to leave them out).
- okx: an algo order (/api/v5/trade/order-algo, ordType `conditional`, slTriggerPx / tpTriggerPx
  with slTriggerPxType / tpTriggerPxType mark or last, `algoClOrdId`; `closeFraction=1` to close
  the position), cancelled with /trade/cancel-algos and listed with /trade/orders-algo-pending.
  When it fires, OKX places an ordinary order that names the algo order in `algoClOrdId`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import attrs

from bot_v2.domain.errors import ConfigError
from bot_v2.domain.orders import OrderRequest, OrderType, TriggerPrice

Params = dict[str, Any]


@attrs.frozen
class ProtectiveStyle:
    exchange_id: str
    # OrderRequest -> ccxt's extra parameters for create_order (margin parameters added after).
    create_params: Callable[[OrderRequest], Params]
    # Our client id -> the parameters that find or cancel the conditional order by it.
    lookup_params: Callable[[str], Params]
    cancel_params: Callable[[str], Params]
    # fetch_open_orders parameters listing the open conditional orders only.
    list_params: Mapping[str, Any]
    # How a conditional order is found by client id: one direct call (any state), or the open
    # listing then the closed one.
    lookup: Literal["fetch_order", "open_then_closed", "fetch_orders"]
    # Reading a venue's raw order (ccxt's `info`): our client id when ccxt leaves it out, the
    # price it watches, whether it closes the whole position, whether it is a take-profit.
    client_id_of: Callable[[Mapping[str, Any]], str]
    watches_mark: Callable[[Mapping[str, Any]], bool]
    closes_position: Callable[[Mapping[str, Any]], bool]
    is_take_profit: Callable[[Mapping[str, Any]], bool | None]
    # Extra fetch_open_orders parameters that keep conditional orders out of a plain listing.
    plain_list_params: Mapping[str, Any] = attrs.field(factory=dict)
    # A stop-limit's limit price, where ccxt does not read it into `price` (OKX's slOrdPx).
    limit_price_of: Callable[[Mapping[str, Any]], Any] = lambda info: None
    # Where one open-orders listing holds plain and conditional orders alike and no parameter
    # splits them (Kraken Futures' openorders): which raw rows are conditional.
    is_conditional: Callable[[Mapping[str, Any]], bool] | None = None


def _trigger_key(request: OrderRequest) -> str:
    return "takeProfitPrice" if request.type is OrderType.TAKE_PROFIT_MARKET else "stopLossPrice"


def _trigger(request: OrderRequest) -> float:
    assert request.trigger_price is not None
    return float(request.trigger_price)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


# ---- binanceusdm ----------------------------------------------------------------------------------


def _binance_create(request: OrderRequest) -> Params:
    params: Params = {
        "clientOrderId": request.client_order_id,
        _trigger_key(request): _trigger(request),
        "workingType": "MARK_PRICE"
        if request.trigger_by is TriggerPrice.MARK
        else "CONTRACT_PRICE",
    }
    if request.close_position:
        params["closePosition"] = True
    else:
        params["reduceOnly"] = True
    return params


BINANCE = ProtectiveStyle(
    exchange_id="binanceusdm",
    create_params=_binance_create,
    lookup_params=lambda cid: {"clientOrderId": cid, "trigger": True},
    cancel_params=lambda cid: {"clientOrderId": cid, "trigger": True},
    list_params={"trigger": True},
    lookup="fetch_order",
    client_id_of=lambda info: str(info.get("clientAlgoId") or ""),
    watches_mark=lambda info: info.get("workingType") == "MARK_PRICE",
    closes_position=lambda info: _truthy(info.get("closePosition")),
    is_take_profit=lambda info: str(info.get("orderType") or "").startswith("TAKE_PROFIT"),
)


# ---- bybit ----------------------------------------------------------------------------------------


def _bybit_create(request: OrderRequest) -> Params:
    params: Params = {
        "orderLinkId": request.client_order_id,
        _trigger_key(request): _trigger(request),
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


BYBIT = ProtectiveStyle(
    exchange_id="bybit",
    create_params=_bybit_create,
    lookup_params=lambda cid: {"orderLinkId": cid, "trigger": True},
    # Bybit cancels a linear conditional order like any other; ccxt would send `trigger` as is.
    cancel_params=lambda cid: {"orderLinkId": cid},
    list_params={"trigger": True},
    lookup="open_then_closed",
    client_id_of=lambda info: str(info.get("orderLinkId") or ""),
    watches_mark=lambda info: info.get("triggerBy") == "MarkPrice",
    closes_position=lambda info: _truthy(info.get("closeOnTrigger")),
    is_take_profit=_bybit_take_profit,
    plain_list_params={"orderFilter": "Order"},
)


# ---- okx ------------------------------------------------------------------------------------------


def _okx_create(request: OrderRequest) -> Params:
    take_profit = request.type is OrderType.TAKE_PROFIT_MARKET
    mark = "mark" if request.trigger_by is TriggerPrice.MARK else "last"
    params: Params = {
        # The algo order's client id; ccxt's clientOrderId would become an ordinary clOrdId.
        "algoClOrdId": request.client_order_id,
        _trigger_key(request): _trigger(request),
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


OKX = ProtectiveStyle(
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


# ---- krakenfutures ---------------------------------------------------------------------------------


def _kraken_create(request: OrderRequest) -> Params:
    # ccxt sends stopLossPrice as orderType `stp`, takeProfitPrice as `take_profit`, both
    # reduce-only, with the stopPrice and the triggerSignal (mark / last) Kraken watches. Kraken
    # has no close-position flag: a reduce-only order of the size asked closes at most the
    # position (the venue clamps it).
    return {
        "cliOrdId": request.client_order_id,
        _trigger_key(request): _trigger(request),
        "triggerSignal": "mark" if request.trigger_by is TriggerPrice.MARK else "last",
        "reduceOnly": True,
    }


def _kraken_signal(info: Mapping[str, Any]) -> str:
    # openorders: triggerSignal "mark_price"; orders/status: priceTriggerOptions.triggerSignal
    # "MARK_PRICE"; a sendorder acknowledgement: orderEvents[].orderTrigger.triggerSignal.
    options = info.get("priceTriggerOptions") or {}
    trigger = _kraken_trigger_event(info)
    return str(
        info.get("triggerSignal") or options.get("triggerSignal") or trigger.get("triggerSignal")
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


KRAKENFUTURES = ProtectiveStyle(
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

STYLES: dict[str, ProtectiveStyle] = {
    s.exchange_id: s for s in (BINANCE, BYBIT, OKX, KRAKENFUTURES)
}


def protective_style(exchange_id: str) -> ProtectiveStyle:
    style = STYLES.get(exchange_id)
    if style is None:
        raise ConfigError(
            [f"config.broker.exchange: {exchange_id!r} has no protective (conditional) orders"]
        )
    return style
