"""ITouch: the best bid and ask of a symbol now (the touch), which a maker entry rests at. Optional
beside IBroker: the sim broker quotes its own book, ccxt asks the venue's order book."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol, runtime_checkable

import attrs


@attrs.frozen
class Touch:
    symbol: str
    bid: Decimal
    ask: Decimal


@runtime_checkable
class ITouch(Protocol):
    async def fetch_touch(self, symbol: str) -> Touch:
        """The best bid and ask now. Raises a BrokerError subclass when the venue cannot tell."""
