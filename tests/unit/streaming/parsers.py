"""Parsers built the way the transports build them, with fresh outputs."""

from __future__ import annotations

import logging

from bot_v2.adapters.venues.binanceusdm.parser import BinancePublicParser
from bot_v2.adapters.venues.binanceusdm.user_parser import BinanceUserDataParser
from bot_v2.adapters.venues.bybit.parser import BybitPublicParser, BybitSequences
from bot_v2.features.streaming import RateLimitedLog, StreamOutput

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
LOG = RateLimitedLog(logging.getLogger("test.parsers"))


def binance(symbols: tuple[str, ...] = (BTC, ETH)) -> BinancePublicParser:
    return BinancePublicParser(symbols, 60_000, "1m", StreamOutput(), LOG)


def bybit(symbols: tuple[str, ...] = (BTC, ETH)) -> BybitPublicParser:
    output = StreamOutput()
    return BybitPublicParser(symbols, 60_000, "1", output, LOG, BybitSequences(output.counters))


def user() -> BinanceUserDataParser:
    return BinanceUserDataParser(StreamOutput(), LOG)
