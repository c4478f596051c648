"""IQuoteStream: pushed market data (replay or websocket), drained once per cycle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot_v2.domain.market import Candle, Mark

MarketEvent = Candle | Mark


class IQuoteStream(Protocol):
    async def start(self, symbols: Sequence[str]) -> None: ...

    async def stop(self) -> None: ...

    def drain(self) -> list[MarketEvent]:
        """Everything received since the last drain, in arrival order. Never blocks."""
