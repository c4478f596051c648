"""The mean reversion strategy's parameters ([strategy.params] when strategy.name =
"mean_reversion")."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.features.live_trade.strategies.params import option, param


@attrs.frozen
class MeanReversionParams:
    window: int = param(20, low=2, high=10_000, doc="Candles of the mean and standard deviation.")
    # param() is an attrs field specifier, not a shared mutable default.
    entry_z: Decimal = param(  # noqa: RUF009
        Decimal(2),
        low=0,
        high=10,
        low_open=True,
        doc="Enter when the close is this many standard deviations from the mean (the Bollinger "
        "band of this width).",
    )
    rsi_window: int = param(14, low=1, high=10_000, doc="Close-to-close changes the RSI averages.")
    rsi_low: Decimal = param(  # noqa: RUF009
        Decimal(30), low=0, high=100, doc="A long entry needs the RSI at or below this."
    )
    rsi_high: Decimal = param(  # noqa: RUF009
        Decimal(70), low=0, high=100, doc="A short entry needs the RSI at or above this."
    )
    allow_shorts: bool = option(True, doc="Whether the strategy may go short.")

    def __attrs_post_init__(self) -> None:
        if self.rsi_low >= self.rsi_high:
            raise ValueError(f"rsi_low ({self.rsi_low}) must be < rsi_high ({self.rsi_high})")
