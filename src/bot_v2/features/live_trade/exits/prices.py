"""Exit prices for one side of a position, rounded to the market's tick in the safe direction.

The choice: every exit price rounds toward the entry's side of the market, never away from it.
A stop rounds toward the price (a long's stop up, a short's down): it never sits farther from the
entry, or from the best price, than configured, so rounding never adds to a loss or gives back more
profit. A take-profit rung rounds toward the entry (a long's down, a short's up): it triggers no
later than configured. The break-even stop (entry plus fees) rounds like any stop, so it still
covers the fees."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.domain.market import Candle, Mark
from bot_v2.domain.money import ceil_to_step, floor_to_step
from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.exits.settings import StopMode


@attrs.frozen
class PricesSeen:
    """The prices seen since the last plan: a closed candle's range, or one mark (high = low)."""

    high: Decimal
    low: Decimal

    @classmethod
    def of_candle(cls, candle: Candle) -> PricesSeen:
        return cls(candle.high, candle.low)

    @classmethod
    def of_mark(cls, mark: Mark) -> PricesSeen:
        return cls(mark.price, mark.price)


def favourable(side: Side, seen: PricesSeen) -> Decimal:
    """The best price for the position among those seen: the high for a long, the low for a short."""
    return seen.high if side is Side.BUY else seen.low


def better(side: Side, a: Decimal, b: Decimal) -> bool:
    """Whether `a` is strictly more favourable to the position than `b` (a stop: closer to profit)."""
    return a > b if side is Side.BUY else a < b


def reached(side: Side, entry: Decimal, best: Decimal, fraction: Decimal) -> bool:
    """Whether `best` is at least `fraction` of the entry in profit."""
    target = entry * (1 + fraction * side.sign)
    return best >= target if side is Side.BUY else best <= target


def stop_at(side: Side, base: Decimal, fraction: Decimal, tick: Decimal) -> Decimal:
    """A stop `fraction` of `base` on the loss side of `base`, rounded toward the price."""
    raw = base * (1 - fraction * side.sign)
    return ceil_to_step(raw, tick) if side is Side.BUY else floor_to_step(raw, tick)


def rung_at(side: Side, entry: Decimal, fraction: Decimal, tick: Decimal) -> Decimal:
    """A take-profit rung `fraction` of the entry in profit, rounded toward the entry."""
    raw = entry * (1 + fraction * side.sign)
    return floor_to_step(raw, tick) if side is Side.BUY else ceil_to_step(raw, tick)


def distance(
    mode: StopMode, pct: Decimal, atr_multiple: Decimal, atr: Decimal | None, base: Decimal
) -> Decimal:
    """A stop's distance from `base` as a fraction of it: `pct`, or `atr_multiple` x ATR capped at
    `pct` (the percent distance stands in while the ATR is not known yet)."""
    if mode is StopMode.ATR and atr is not None and atr > 0 and base > 0:
        return min(atr_multiple * atr / base, pct)
    return pct
