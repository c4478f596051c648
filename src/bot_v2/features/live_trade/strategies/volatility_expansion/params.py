"""The volatility expansion strategy's parameters ([strategy.params] when strategy.name =
"volatility_expansion")."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.features.live_trade.strategies.params import option, param


@attrs.frozen
class VolatilityExpansionParams:
    window: int = param(
        20, low=2, high=10_000, doc="Candles of the Bollinger mean/deviation and the Keltner mean."
    )
    # param() is an attrs field specifier, not a shared mutable default.
    bb_mult: Decimal = param(  # noqa: RUF009
        Decimal(2), low=0, high=10, low_open=True, doc="Bollinger band: standard deviations."
    )
    atr_window: int = param(
        20, low=1, high=10_000, doc="Candles the Keltner channel's ATR averages."
    )
    kc_mult: Decimal = param(  # noqa: RUF009
        Decimal("1.5"), low=0, high=10, low_open=True, doc="Keltner channel: ATRs from its mean."
    )
    squeeze_bars: int = param(
        6,
        low=1,
        high=10_000,
        doc="Candles the Bollinger band must stay inside the Keltner channel.",
    )
    allow_shorts: bool = option(True, doc="Whether the strategy may go short.")
