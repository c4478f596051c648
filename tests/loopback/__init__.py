"""Loopback exchange servers for tests: real REST wire formats on 127.0.0.1, in-memory accounts,
request recording and fault injection. See docs/exchanges.md ("Testing against loopback venues")."""

from tests.loopback.binanceusdm import BinanceUsdmVenue
from tests.loopback.bybit import BybitVenue
from tests.loopback.client import TEST_DEFAULTS, ccxt_config_for, loopback_urls
from tests.loopback.krakenfutures import KrakenFuturesVenue
from tests.loopback.okx import OkxVenue
from tests.loopback.server import (
    API_KEY,
    API_SECRET,
    LoopbackVenue,
    RecordedRequest,
    ThreadedVenue,
    wait_for_state_file,
)

__all__ = [
    "API_KEY",
    "API_SECRET",
    "TEST_DEFAULTS",
    "BinanceUsdmVenue",
    "BybitVenue",
    "KrakenFuturesVenue",
    "LoopbackVenue",
    "OkxVenue",
    "RecordedRequest",
    "ThreadedVenue",
    "ccxt_config_for",
    "loopback_urls",
    "wait_for_state_file",
]
