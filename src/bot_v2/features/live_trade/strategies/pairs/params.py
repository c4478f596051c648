"""The pairs strategy's parameters ([strategies.params] of a slot with name = "pairs")."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.features.live_trade.strategies.params import param


@attrs.frozen
class PairsParams:
    window: int = param(
        168, low=10, high=10_000, doc="Candles the hedge ratio (OLS beta) and the z-score use."
    )
    # param() is an attrs field specifier, not a shared mutable default.
    entry_z: Decimal = param(  # noqa: RUF009
        Decimal(2), low=0, high=20, low_open=True, doc="Open both legs when |z| reaches this."
    )
    exit_z: Decimal = param(  # noqa: RUF009
        Decimal("0.5"), low=0, high=20, doc="Close both legs when z is back inside this."
    )
    stop_z: Decimal = param(  # noqa: RUF009
        Decimal(0), low=0, high=100, doc="Close both legs when |z| passes this (0: never)."
    )

    def __attrs_post_init__(self) -> None:
        if self.exit_z >= self.entry_z:
            raise ValueError(f"exit_z must be < entry_z ({self.entry_z}), got {self.exit_z}")
        if self.stop_z and self.stop_z <= self.entry_z:
            raise ValueError(f"stop_z must be 0 or > entry_z ({self.entry_z}), got {self.stop_z}")
