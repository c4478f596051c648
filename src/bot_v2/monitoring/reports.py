"""What the runtime tells monitoring after each cycle."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs


@attrs.frozen
class CycleReport:
    cycle: int
    clock_ms: int
    duration_s: float
    equity: Decimal
    cash: Decimal
    positions: Mapping[str, Decimal]
    open_orders: int
    orders_total: int
    fills_total: int
    risk_rejections: int
    errors: int
    reduce_only_reason: str = ""
    progress: float | None = None
    stale_symbols: Mapping[str, str] = attrs.field(factory=dict)
