"""IFundingRates: the rate of the next funding settlement per symbol (the funding guard's input).
A live venue answers its current (predicted) rate; a replay answers the last rate settled at or
before its clock, never a later one (a backtest must not see its future)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol


class IFundingRates(Protocol):
    async def next_funding_rates(self, symbols: Sequence[str]) -> dict[str, Decimal]:
        """Rate per settlement (0.0001 = 1 bp) by symbol; a symbol the source does not know is
        left out."""
