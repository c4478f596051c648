"""The funding carry strategy's parameters ([strategy.params] when strategy.name =
"funding_carry")."""

from __future__ import annotations

import itertools
from decimal import Decimal

import attrs

from bot_v2.features.live_trade.strategies.params import option, param


@attrs.frozen
class FundingCarryParams:
    funding_window: int = param(
        24,
        low=1,
        high=10_000,
        doc="Decisions whose funding rate the mean averages (one rate per candle: 24 on 1h "
        "candles is a day, three 8-hourly settlements).",
    )
    # param() is an attrs field specifier, not a shared mutable default.
    upper: Decimal = param(  # noqa: RUF009
        Decimal("0.0003"),
        low=-1,
        high=1,
        doc="Go short when the mean funding rate (per settlement) is at or above this.",
    )
    lower: Decimal = param(  # noqa: RUF009
        Decimal("-0.00005"),
        low=-1,
        high=1,
        doc="Go long when the mean funding rate is at or below this.",
    )
    exit_upper: Decimal = param(  # noqa: RUF009
        Decimal("0.0001"),
        low=-1,
        high=1,
        doc="Close a short when the mean funding rate is back at or below this.",
    )
    exit_lower: Decimal = param(  # noqa: RUF009
        Decimal(0),
        low=-1,
        high=1,
        doc="Close a long when the mean funding rate is back at or above this.",
    )
    trend_window: int = param(
        200, low=2, high=10_000, doc="Candles of the simple moving average the trend filter uses."
    )
    trend_band: Decimal = param(  # noqa: RUF009
        Decimal("0.05"),
        low=0,
        high=10,
        doc="No short while the close is more than this fraction above the SMA (a strong "
        "uptrend), no long while more than this below it.",
    )
    allow_shorts: bool = option(True, doc="Whether the strategy may go short.")

    def __attrs_post_init__(self) -> None:
        order = (
            ("lower", self.lower),
            ("exit_lower", self.exit_lower),
            ("exit_upper", self.exit_upper),
            ("upper", self.upper),
        )
        for (low_name, low), (high_name, high) in itertools.pairwise(order):
            if low > high:
                raise ValueError(f"{low_name} ({low}) must be <= {high_name} ({high})")
        if self.lower >= self.upper:
            raise ValueError(f"lower ({self.lower}) must be < upper ({self.upper})")
