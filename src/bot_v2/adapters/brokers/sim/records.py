"""The simulated exchange's state as JSON-ready records, through the adapters' one record converter
(adapters/serialization.py). The account record holds everything but the growing histories, which
are appended one record per order, fill, funding payment and liquidation; a position in it is the
triple [size, entry_price, margin]. Files written by earlier builds have this exact shape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cattrs.gen import make_dict_unstructure_fn, override

from bot_v2.adapters.brokers.sim.events import Liquidated
from bot_v2.adapters.brokers.sim.state import ExchangeState, OrderState, PositionState
from bot_v2.adapters.serialization import records
from bot_v2.domain.fills import Fill, FundingPayment

_sim = records.copy()
_sim.register_unstructure_hook(PositionState, _sim.unstructure_attrs_astuple)
_sim.register_structure_hook(PositionState, _sim.structure_attrs_fromtuple)
# The account record leaves the histories out: they are appended on their own.
_omit = override(omit=True)
_sim.register_unstructure_hook(
    ExchangeState,
    make_dict_unstructure_fn(
        ExchangeState, _sim, orders=_omit, fills=_omit, funding=_omit, liquidations=_omit
    ),
)

# An order record carries the conditional fields only where they are set: a plain order's record
# keeps the exact shape earlier builds wrote (and read, ignoring keys they do not know).
_unless_set = override(omit_if_default=True)
_sim.register_unstructure_hook(
    OrderState,
    make_dict_unstructure_fn(
        OrderState,
        _sim,
        trigger_price=_unless_set,
        trigger_by=_unless_set,
        close_position=_unless_set,
        triggered_ms=_unless_set,
    ),
)

account_record = _sim.get_unstructure_hook(ExchangeState)
order_record = _sim.get_unstructure_hook(OrderState)
fill_record = _sim.get_unstructure_hook(Fill)
funding_record = _sim.get_unstructure_hook(FundingPayment)
liquidation_record = _sim.get_unstructure_hook(Liquidated)


def state_from(
    account: dict[str, Any],
    orders: Sequence[dict[str, Any]],
    fills: Sequence[dict[str, Any]],
    funding: Sequence[dict[str, Any]],
    liquidations: Sequence[dict[str, Any]],
) -> ExchangeState:
    whole = {
        **account,
        "orders": {r["client_order_id"]: r for r in orders},
        "fills": fills,
        "funding": funding,
        "liquidations": liquidations,
    }
    return _sim.structure(whole, ExchangeState)
