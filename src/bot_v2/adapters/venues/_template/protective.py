"""OPTIONAL. How the venue holds conditional (protective) orders, as ccxt's unified calls reach
them; every field is explained in adapters/venues/protective_style.py. Leave it out (and
`protective=` out of VENUE) when the venue has none. Placeholder values, not any venue's truth."""

from __future__ import annotations

from bot_v2.adapters.venues.protective_style import Params, ProtectiveStyle, trigger, trigger_key
from bot_v2.domain.orders import OrderRequest


def _create(request: OrderRequest) -> Params:
    # Our client id, the trigger (stopLossPrice or takeProfitPrice for ccxt), the price it
    # watches (mark or last, in the venue's words), reduce-only or close-position.
    return {
        "clientOrderId": request.client_order_id,
        trigger_key(request): trigger(request),
        "reduceOnly": True,
    }


STYLE = ProtectiveStyle(
    exchange_id="template",
    create_params=_create,
    lookup_params=lambda cid: {"clientOrderId": cid, "trigger": True},
    cancel_params=lambda cid: {"clientOrderId": cid, "trigger": True},
    list_params={"trigger": True},
    lookup="fetch_order",
    client_id_of=lambda info: str(info.get("clientOrderId") or ""),
    watches_mark=lambda info: False,
    closes_position=lambda info: False,
    is_take_profit=lambda info: None,
)
