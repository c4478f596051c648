"""What the venue would be asked to hold after an order fills: the stop and take-profit rungs the
exits plan for the resulting position, as the protection pass would place them (quantized, rungs
capped to the position). `perps-bot orders preview` prints them."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.domain.market import MarketSpec
from bot_v2.domain.orders import OrderRequest
from bot_v2.domain.positions import Position, apply_fill
from bot_v2.features.live_trade.protection.plan import protect
from bot_v2.features.live_trade.protection.ports import ExitPlanner
from bot_v2.features.live_trade.protection.values import Inputs, ProtectiveRecord, Settings


def protection_after(
    request: OrderRequest,
    position: Position,
    fill_price: Decimal,
    planner: ExitPlanner,
    spec: MarketSpec,
    settings: Settings,
    now_ms: int,
) -> tuple[ProtectiveRecord, ...]:
    after = apply_fill(position, request.side, request.size, fill_price).position
    if after.is_flat:
        return ()
    state = planner.open(after, now_ms)
    _, plan = planner.plan(after, state, fill_price, now_ms)
    inputs = Inputs({after.symbol: after}, {after.symbol: plan}, {}, {after.symbol: spec})
    return tuple(p.record for p in protect(inputs, settings, now_ms).place)


def describe(record: ProtectiveRecord) -> str:
    what = "stop" if record.is_stop else f"take-profit {record.rung}"
    return (
        f"{what} ({record.kind.value}): {record.side.value} {record.size:f} reduce-only, "
        f"triggers at {record.trigger_price:f}"
    )
