"""How a venue holds conditional (protective) orders, as ccxt's unified calls reach them: a
`ProtectiveStyle` each venue folder fills in (adapters/venues/<id>/protective.py) giving the
parameters of a placement, a lookup, a cancel and a listing, and how to read the venue's answer back.
Pure; adapters/brokers/ccxt/protective.py makes the calls."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import attrs

from bot_v2.domain.orders import OrderRequest, OrderType

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


def trigger_key(request: OrderRequest) -> str:
    return "takeProfitPrice" if request.type is OrderType.TAKE_PROFIT_MARKET else "stopLossPrice"


def trigger(request: OrderRequest) -> float:
    assert request.trigger_price is not None
    return float(request.trigger_price)


def truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
