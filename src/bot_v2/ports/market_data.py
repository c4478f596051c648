"""IMarketData: request/response market data (REST), used for warm-up and as the stream's fallback."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot_v2.domain.market import Candle, Mark


class IMarketData(Protocol):
    async def fetch_candles(
        self, symbol: str, timeframe_ms: int, since_ms: int | None, limit: int
    ) -> list[Candle]:
        """Closed candles, oldest first."""

    async def fetch_marks(self, symbols: Sequence[str]) -> list[Mark]: ...
