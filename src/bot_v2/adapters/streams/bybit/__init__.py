"""Bybit v5 public linear websocket stream."""

from bot_v2.adapters.streams.bybit.parser import BybitPublicParser, BybitSequences
from bot_v2.adapters.streams.bybit.public import (
    BYBIT_PING_INTERVAL_S,
    BYBIT_PUBLIC_LINEAR_URL,
    BybitPublicTransport,
)

__all__ = [
    "BYBIT_PING_INTERVAL_S",
    "BYBIT_PUBLIC_LINEAR_URL",
    "BybitPublicParser",
    "BybitPublicTransport",
    "BybitSequences",
]
