"""An order request checked against the venue's rules and turned into ccxt's parameters (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot_v2.adapters.venues.profile import VenueProfile
from bot_v2.domain.errors import InvalidOrder
from bot_v2.domain.market import MarketSpec
from bot_v2.domain.money import quantize_size
from bot_v2.domain.orders import OrderRequest, OrderType, TimeInForce


def validate(venue: VenueProfile, request: OrderRequest, spec: MarketSpec) -> None:
    where = f"{venue.exchange_id} submit_order {request.client_order_id}"
    if not re.match(venue.client_id_pattern, request.client_order_id):
        raise InvalidOrder(f"{where}: client order id does not match {venue.client_id_pattern}")
    if request.post_only and request.type is not OrderType.LIMIT:
        raise InvalidOrder(f"{where}: post-only needs a limit order")
    if request.post_only and request.time_in_force is not TimeInForce.GTC:
        raise InvalidOrder(f"{where}: post-only cannot be {request.time_in_force.value}")
    tifs = venue.time_in_force
    if (
        request.type is OrderType.LIMIT
        and tifs is not None
        and request.time_in_force.value not in tifs
    ):
        raise InvalidOrder(
            f"{where}: {venue.exchange_id} has no {request.time_in_force.value} orders"
        )
    # Never let ccxt round: a size or price off the grid is the caller's bug, not ours to fix.
    if quantize_size(request.size, spec.step_size) != request.size:
        raise InvalidOrder(f"{where}: size {request.size} is not a multiple of {spec.step_size}")
    if request.price is not None and request.price % spec.tick_size != 0:
        raise InvalidOrder(f"{where}: price {request.price} is not a multiple of {spec.tick_size}")


def order_params(
    venue: VenueProfile, request: OrderRequest, margin_params: Mapping[str, Any]
) -> dict[str, Any]:
    params: dict[str, Any] = {venue.client_id_param: request.client_order_id}
    params.update(margin_params)
    if request.reduce_only:
        params["reduceOnly"] = True
    if request.type is OrderType.LIMIT:
        if request.post_only:
            params["postOnly"] = True
        else:
            tif = request.time_in_force.value
            params["timeInForce"] = (venue.time_in_force or {}).get(tif, tif)
    return params
