"""The breakout strategy's parameters ([strategy.params] when strategy.name = "breakout")."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.features.live_trade.strategies.params import option, param


@attrs.frozen
class BreakoutParams:
    channel: int = param(20, low=2, high=10_000, doc="Donchian channel: the prior N candles.")
    atr_window: int = param(14, low=1, high=10_000, doc="Candles the ATR averages.")
    # param() is an attrs field specifier, not a shared mutable default.
    atr_mult: Decimal = param(  # noqa: RUF009
        Decimal(3),
        low=0,
        high=100,
        low_open=True,
        doc="The stop trails the best close since entry by this many ATRs.",
    )
    allow_shorts: bool = option(True, doc="Whether the strategy may go short.")
