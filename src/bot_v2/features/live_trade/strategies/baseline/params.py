"""The baseline's parameters: what [strategy.params] holds when strategy.name = "baseline"."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.features.live_trade.strategies.params import option, param


def _check_params(instance: BaselineParams) -> None:
    if instance.short_window >= instance.long_window:
        raise ValueError(
            f"short_window ({instance.short_window}) must be < long_window ({instance.long_window})"
        )


@attrs.frozen
class BaselineParams:
    short_window: int = param(
        12, low=1, high=10_000, doc="Fast moving-average length, in candles; < long_window."
    )
    long_window: int = param(48, low=1, high=10_000, doc="Slow moving-average length, in candles.")
    confirmation_bars: int = param(
        1, low=0, high=1_000, doc="Candles a crossover must hold before acting."
    )
    # param() is an attrs field specifier, not a shared mutable default.
    trailing_stop_pct: Decimal = param(  # noqa: RUF009
        Decimal("0.05"),
        low=0,
        high=1,
        high_open=True,
        doc="Trailing stop from the best close, a fraction of price (0.05 = 5%); 0 disables it.",
    )
    allow_shorts: bool = option(True, doc="Whether the strategy may go short.")

    def __attrs_post_init__(self) -> None:
        _check_params(self)
