"""The take-profit ladder: which rungs are left, and how much each still closes.

Rung i closes `fraction_i` of the entry size (rounded down to the market's step; when the fractions
sum to exactly 1 the last rung takes what rounding left, so the ladder ends flat). What the position
has lost since entry, entry_size - |size|, is counted against the rungs nearest first: a rung that
filled in part keeps only its unfilled rest, and any other reduction (a manual close, a partial
stop) uses up the nearest rungs the same way. So the rungs left never close more than the
position holds. A rest below the market's minimum size cannot be placed and is left out."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot_v2.domain.market import MarketSpec
from bot_v2.domain.money import ZERO, quantize_size
from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.exits.prices import rung_at
from bot_v2.features.live_trade.exits.values import TakeProfitRung


def rung_sizes(
    fractions: Sequence[Decimal], entry_size: Decimal, step: Decimal
) -> tuple[Decimal, ...]:
    """What each rung closes of a position of `entry_size`."""
    sizes = [quantize_size(entry_size * f, step) for f in fractions]
    if sizes and sum(fractions, ZERO) == 1:
        sizes[-1] = entry_size - sum(sizes[:-1], ZERO)
    return tuple(sizes)


def ladder(
    side: Side,
    entry_price: Decimal,
    entry_size: Decimal,
    size: Decimal,
    distances: Sequence[Decimal],
    fractions: Sequence[Decimal],
    market: MarketSpec,
) -> tuple[tuple[TakeProfitRung, ...], int]:
    """The rungs still to place for a position of absolute `size`, and how many are used up."""
    closed = max(entry_size - size, ZERO)
    rungs: list[TakeProfitRung] = []
    used_up = 0
    before = ZERO
    for index, (target, away) in enumerate(
        zip(rung_sizes(fractions, entry_size, market.step_size), distances, strict=True)
    ):
        rest = min(max(before + target - closed, ZERO), target)
        before += target
        if rest == 0:
            used_up += 1
            continue
        if rest >= market.min_size:
            rungs.append(
                TakeProfitRung(index, rung_at(side, entry_price, away, market.tick_size), rest)
            )
    return tuple(rungs), used_up
