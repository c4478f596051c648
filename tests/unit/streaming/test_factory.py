from __future__ import annotations

import pytest

from bot_v2.adapters.venues.binanceusdm.public import BinancePublicTransport
from bot_v2.adapters.venues.bybit.public import BybitPublicTransport
from bot_v2.domain.errors import InvalidSymbol
from bot_v2.features.streaming import StreamingService
from bot_v2.features.streaming.errors import NoStreamAdapter
from bot_v2.orchestration.streams import create_stream, create_user_stream


def test_supported_venues_give_a_supervised_stream_with_unified_symbols() -> None:
    for venue in ("binanceusdm", " BinanceUSDM ", "bybit"):
        service = create_stream(venue, ["btcusdt", "ETH/USDT:USDT"])
        assert isinstance(service, StreamingService)
        assert service.symbols == ("BTC/USDT:USDT", "ETH/USDT:USDT")
        assert not service.stats().connected


def test_binance_rotates_by_default_and_bybit_does_not() -> None:
    assert BinancePublicTransport().rotate_after_s == 23 * 3600
    assert BybitPublicTransport().rotate_after_s is None


def test_a_venue_without_an_adapter_gets_a_clear_error() -> None:
    with pytest.raises(NoStreamAdapter) as raised:
        create_stream("kraken", ["BTC/USD:USD"])
    assert str(raised.value) == (
        "streaming: no websocket adapter for exchange 'kraken'; "
        "streams exist for binanceusdm, bybit"
    )
    with pytest.raises(NoStreamAdapter, match="no private websocket adapter"):
        create_user_stream("bybit", _key)


def test_a_timeframe_without_a_kline_stream_is_refused() -> None:
    with pytest.raises(NoStreamAdapter, match="binanceusdm has no kline stream for timeframe '7m'"):
        create_stream("binanceusdm", ["BTCUSDT"], timeframe="7m")
    with pytest.raises(NoStreamAdapter, match="bybit has no kline stream for timeframe '8h'"):
        create_stream("bybit", ["BTCUSDT"], timeframe="8h")


def test_a_symbol_that_is_not_a_perpetual_is_refused() -> None:
    with pytest.raises(InvalidSymbol):
        create_stream("binanceusdm", ["not a symbol"])


def test_binance_subscribes_by_url_to_three_streams_per_symbol() -> None:
    transport = BinancePublicTransport(timeframe="1h", base_url="ws://127.0.0.1:9/")
    assert transport.url(["BTC/USDT:USDT", "ETH/USDT:USDT"]) == (
        "ws://127.0.0.1:9/stream?streams="
        "btcusdt@bookTicker/btcusdt@markPrice@1s/btcusdt@kline_1h/"
        "ethusdt@bookTicker/ethusdt@markPrice@1s/ethusdt@kline_1h"
    )
    marks_only = BinancePublicTransport(channels=("markPrice",))
    assert marks_only.stream_names(["BTC/USDT:USDT"]) == ["btcusdt@markPrice@1s"]
    with pytest.raises(ValueError):
        BinancePublicTransport(channels=("depth",))


def test_bybit_topics_per_symbol() -> None:
    transport = BybitPublicTransport(timeframe="4h")
    assert transport.topics(["BTC/USDT:USDT"]) == ["tickers.BTCUSDT", "kline.240.BTCUSDT"]


async def _key() -> str:
    return "k"
