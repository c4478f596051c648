"""Which open positions are closer to their estimated liquidation than a threshold, as a state
machine over cycles, pure: a position crossing below says so once, and once more when it recovers.
It recovers once its distance is RECOVERY_MARGIN times the threshold (3% -> 3.6%), not merely back
at it: a mark wobbling around the threshold would otherwise alert every other cycle. A position
that closes or flips leaves the watch silently (its close is announced by the fill); a new one
below the threshold is a new notice.

The distance is the portfolio protections' own estimate (risk/liquidation.py: cross margin, every
position moving against the account at once), the very figure the console shows per position and
the guard reduces on; each position's liquidation price is that distance against it from its mark.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.risk.exposure import position_notional
from bot_v2.features.live_trade.risk.liquidation import liquidation_distance

BELOW = "liquidation_distance"
RECOVERED = "liquidation_distance_recovered"
RECOVERY_MARGIN = Decimal("1.2")


@attrs.frozen
class LiquidationNotice:
    kind: str  # BELOW or RECOVERED: the journal event's kind
    symbol: str
    detail: str


# symbol -> side of the position that is below the threshold (a flip is another position).
Below = Mapping[str, Side]


def liquidation_price(size: Decimal, price: Decimal, distance: Decimal) -> Decimal | None:
    """The price `distance` (a fraction) against a position of signed `size` from `price`; None
    when no positive price gets there (a long with a distance of 100% or more)."""
    if size == 0:
        return None
    moved = price * (1 - distance) if size > 0 else price * (1 + distance)
    return moved if moved > 0 else None


def watch(
    below: Below,
    positions: Mapping[str, Position],
    marks: Mapping[str, Decimal],
    equity: Decimal,
    mmr: Decimal,
    threshold: Decimal,
    total_notional: Decimal | None = None,
) -> tuple[dict[str, Side], list[LiquidationNotice]]:
    """The positions below `threshold` now and the notices for what changed since `below`.
    `total_notional`: the open positions' notional at `marks` when the caller keeps it (the
    runtime's LedgerValuation), so a cycle with nothing near liquidation looks at no position."""
    if total_notional is None:
        total_notional = sum(
            (position_notional(marks, s, p) for s, p in positions.items()), Decimal(0)
        )
    distance = liquidation_distance(equity, total_notional, mmr)
    if not below and (distance is None or distance >= threshold):
        return {}, []
    held = {s: p for s, p in positions.items() if p.side is not None}
    now: dict[str, Side] = {}
    notices: list[LiquidationNotice] = []
    for symbol in sorted(held):
        position = held[symbol]
        side = position.side
        assert side is not None
        was = below.get(symbol) == side
        if distance is None:
            continue  # nothing valued (no price at all): nothing to say either way
        if distance < threshold or (was and distance < threshold * RECOVERY_MARGIN):
            now[symbol] = side
            if not was:
                text = _describe(position, marks, distance, f"below {threshold * 100:.2f}%")
                notices.append(LiquidationNotice(BELOW, symbol, text))
        elif was:
            back = f"back above {threshold * RECOVERY_MARGIN * 100:.2f}%"
            text = _describe(position, marks, distance, back)
            notices.append(LiquidationNotice(RECOVERED, symbol, text))
    return now, notices


def _describe(
    position: Position,
    marks: Mapping[str, Decimal],
    distance: Decimal,
    where: str,
) -> str:
    mark = marks.get(position.symbol)
    price = mark if mark is not None and mark > 0 else position.entry_price
    liq = liquidation_price(position.size, price, distance)
    side = "long" if position.size > 0 else "short"
    at = f"~{round(liq, 8).normalize():f}" if liq is not None else "none"
    return (
        f"{position.symbol}: {side} {abs(position.size):f}, mark {price:f}, estimated liquidation "
        f"{at} ({distance * 100:.2f}% away; alerts.liquidation_distance_pct: {where})"
    )
