"""The momentum strategy's parameters ([strategy.params] when strategy.name = "momentum")."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.features.live_trade.strategies.params import option, param


@attrs.frozen
class MomentumParams:
    lookback: int = param(48, low=1, high=10_000, doc="Rate of change over this many candles.")
    # param() is an attrs field specifier, not a shared mutable default.
    threshold_pct: Decimal = param(  # noqa: RUF009
        Decimal("0.01"),
        low=0,
        high=1,
        high_open=True,
        doc="Enter when the rate of change is beyond this fraction (0.01 = 1%).",
    )
    vol_window: int = param(48, low=2, high=10_000, doc="Candles of returns the volatility uses.")
    max_volatility_pct: Decimal = param(  # noqa: RUF009
        Decimal("0.02"),
        low=0,
        high=1,
        low_open=True,
        doc="No new entry while the per-candle return's standard deviation is above this.",
    )
    allow_shorts: bool = option(True, doc="Whether the strategy may go short.")
