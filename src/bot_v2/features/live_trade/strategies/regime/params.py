"""The regime strategy's parameters ([strategy.params] when strategy.name = "regime")."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.features.live_trade.strategies.params import option, param


@attrs.frozen
class RegimeParams:
    adx_window: int = param(14, low=1, high=1_000, doc="Candles of the directional index.")
    # param() is an attrs field specifier, not a shared mutable default.
    trend_adx: Decimal = param(  # noqa: RUF009
        Decimal(25), low=0, high=100, doc="ADX at or above this (and calm) is a trend."
    )
    vol_window: int = param(24, low=2, high=10_000, doc="Log returns of the realized volatility.")
    rank_window: int = param(
        720, low=1, high=100_000, doc="Volatility readings its percentile rank is taken among."
    )
    turbulent_pct: Decimal = param(  # noqa: RUF009
        Decimal("0.9"),
        low=0,
        high=1,
        low_open=True,
        doc="A volatility rank at or above this is turbulent: the strategy stays flat.",
    )
    range_window: int = param(20, low=2, high=10_000, doc="Candles of the range's z-score.")
    range_z: Decimal = param(  # noqa: RUF009
        Decimal(2),
        low=0,
        high=10,
        low_open=True,
        doc="In a range, fade a close this many standard deviations from the mean.",
    )
    allow_shorts: bool = option(True, doc="Whether the strategy may go short.")
