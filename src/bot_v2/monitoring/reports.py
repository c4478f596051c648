"""What the runtime tells monitoring after each cycle."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs


# Frozen without slots: attrs then fills the instance dict directly, which for these fourteen
# fields is a third cheaper than a slotted frozen class's per-field setattr (one report per cycle).
@attrs.frozen(slots=False)
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
