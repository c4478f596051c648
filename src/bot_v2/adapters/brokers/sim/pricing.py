"""What a taker pays: half the spread plus market impact, on the venue's tick. Pure functions.

Impact follows the square-root law traders use for slippage: it grows with the order's share of the
volume traded and with volatility (the candle's high-low range over its open):

    impact = slippage * range / open * sqrt(min(size / volume, 1))

Optional noise scales it by (1 + noise * u), u in [-1, 1) drawn from the seed and the client order id,
so the same order in the same run always gets the same price.
"""

from __future__ import annotations

import hashlib
import math
from decimal import Decimal

from bot_v2.domain.money import ceil_to_step, floor_to_step
from bot_v2.domain.orders import Side

BPS = Decimal(10000)


def draw(seed: int, key: str) -> float:
    """A uniform number in [-1, 1) fixed by (seed, key): no generator state to carry or persist."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**63 - 1.0


def impact_fraction(
    slippage: Decimal, high: float, low: float, open_: float, size: Decimal, volume: float
) -> Decimal:
    if slippage <= 0 or open_ <= 0:
        return Decimal(0)
    volatility = max(high - low, 0.0) / open_
    # An order bigger than the candle's volume pays as if it took all of it: the law has no meaning
    # beyond that, and the price stays bounded.
    participation = min(float(size) / volume, 1.0) if volume > 0 else 1.0
    return slippage * Decimal(repr(volatility * math.sqrt(participation)))


def on_tick(price: Decimal, tick: Decimal, side: Side) -> Decimal:
    """A buyer pays the tick at or above, a seller gets the tick at or below."""
    if side is Side.BUY:
        return ceil_to_step(price, tick)
    return floor_to_step(price, tick)


def quote(reference: Decimal, spread_bps: Decimal, tick: Decimal, side: Side) -> Decimal:
    """The best ask (buy) or bid (sell) around a reference price."""
    half = spread_bps / BPS / 2
    return on_tick(reference * (1 + half * side.sign), tick, side)


def taker_price(
    reference: Decimal, spread_bps: Decimal, impact: Decimal, tick: Decimal, side: Side
) -> Decimal:
    half = spread_bps / BPS / 2
    return on_tick(reference * (1 + (half + impact) * side.sign), tick, side)
