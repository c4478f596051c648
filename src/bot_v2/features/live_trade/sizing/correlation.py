"""The correlation cap: the exposure a new position adds to open positions that move with it may
not take their sum past correlation_max_leverage x equity. A position moves with the new one when
the correlation of their returns, signed by both directions, is at least correlation_threshold
(a short in a symbol that correlates with a new long moves against it and is not counted)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.risk.exposure import position_notional


def correlated_room(
    symbol: str,
    sign: int,
    positions: Mapping[str, Position],
    marks: Mapping[str, Decimal],
    corr: Callable[[str, str], float | None],
    threshold: Decimal,
    limit: Decimal,
) -> Decimal:
    """The notional the new position may have; `limit` is the money cap (max leverage x equity).
    A pair whose correlation is unknown (too few candles) counts as correlated: the safe side."""
    taken = Decimal(0)
    for other, position in positions.items():
        if other == symbol or position.size == 0:
            continue
        rho = corr(symbol, other)
        together = 1.0 if rho is None else rho * sign * (1 if position.size > 0 else -1)
        if Decimal(str(together)) >= threshold:
            taken += position_notional(marks, other, position)
    return max(limit - taken, Decimal(0))
