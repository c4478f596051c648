"""Market data values: the rules of a market, candles and marks."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.domain.money import ZERO


@attrs.frozen
class LeverageTier:
    """One notional bracket, in the form ccxt's fetch_leverage_tiers returns."""

    min_notional: Decimal
    max_notional: Decimal
    maintenance_margin_rate: Decimal
    max_leverage: Decimal
    maintenance_amount: Decimal = ZERO


@attrs.frozen
class MarketSpec:
    symbol: str
    tick_size: Decimal
    step_size: Decimal
    min_size: Decimal
    min_notional: Decimal = ZERO
    contract_size: Decimal = Decimal(1)
    max_leverage: Decimal = Decimal(20)
    tiers: tuple[LeverageTier, ...] = ()


@attrs.frozen
class Candle:
    """`timestamp_ms` is the open time; the candle is known only once `close_time_ms` has passed."""

    symbol: str
    timeframe_ms: int
    timestamp_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal

    @property
    def close_time_ms(self) -> int:
        return self.timestamp_ms + self.timeframe_ms


@attrs.frozen
class Mark:
    """A price observation for a symbol: a mark price, a mid from a book ticker or a candle close."""

    symbol: str
    price: Decimal
    timestamp_ms: int


@attrs.frozen
class Gap:
    """Candles missing between two seen candles. Reported, never bridged."""

    symbol: str
    timeframe_ms: int
    after_ms: int
    before_ms: int

    @property
    def missing(self) -> int:
        return (self.before_ms - self.after_ms) // self.timeframe_ms - 1
