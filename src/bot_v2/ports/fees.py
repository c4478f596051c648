"""IFeeSource: a venue that can tell this account's fee rates. Optional beside IBroker: an operator
view shows fees where the broker offers them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bot_v2.domain.account import FeeRates


@runtime_checkable
class IFeeSource(Protocol):
    async def fetch_fee_rates(self, symbols: Sequence[str]) -> dict[str, FeeRates]: ...
