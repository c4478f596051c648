"""Binance USDⓈ-M websocket streams: public market data and the private user data stream."""

from bot_v2.adapters.streams.binanceusdm.parser import BinancePublicParser
from bot_v2.adapters.streams.binanceusdm.public import (
    BINANCE_PUBLIC_URL,
    BINANCE_ROTATE_AFTER_S,
    BinancePublicTransport,
)
from bot_v2.adapters.streams.binanceusdm.user_data import (
    BinanceUserDataTransport,
    KeepaliveListenKey,
    ObtainListenKey,
)
from bot_v2.adapters.streams.binanceusdm.user_parser import BinanceUserDataParser

__all__ = [
    "BINANCE_PUBLIC_URL",
    "BINANCE_ROTATE_AFTER_S",
    "BinancePublicParser",
    "BinancePublicTransport",
    "BinanceUserDataParser",
    "BinanceUserDataTransport",
    "KeepaliveListenKey",
    "ObtainListenKey",
]
