"""The container picks the stream an operator would expect for each configuration."""

from __future__ import annotations

from pathlib import Path

import attrs
from prometheus_client import CollectorRegistry, generate_latest

from bot_v2.adapters.replay.stream import ReplayQuoteStream
from bot_v2.features.market_data.polling_stream import PollingQuoteStream
from bot_v2.features.streaming.counters import StreamStats
from bot_v2.features.streaming.service import StreamingService
from bot_v2.monitoring.stream_metrics import StreamStatsCollector
from bot_v2.orchestration.builders import make_container
from bot_v2.orchestration.config import load_config

SECRETS_ENV = {"PERPS_API_KEY": "k" * 8, "PERPS_API_SECRET": "s" * 8}


def stream_for(tmp_path: Path, profile: str, *overrides: str) -> object:
    loaded = load_config(profile, None, SECRETS_ENV, overrides)
    container = make_container(loaded.config, loaded.secrets, tmp_path)
    return container.stream()


def test_dev_replays(tmp_path: Path) -> None:
    assert isinstance(stream_for(tmp_path, "dev"), ReplayQuoteStream)


def test_canary_streams_binance_over_websockets(tmp_path: Path) -> None:
    stream = stream_for(tmp_path, "canary")
    assert isinstance(stream, StreamingService)
    assert stream.symbols == ("BTC/USDT:USDT",)


def test_streaming_off_polls(tmp_path: Path) -> None:
    assert isinstance(stream_for(tmp_path, "prod", "streaming.enabled=false"), PollingQuoteStream)


def test_bybit_streams_too(tmp_path: Path) -> None:
    stream = stream_for(tmp_path, "prod", "broker.exchange=bybit")
    assert isinstance(stream, StreamingService)


def test_stream_counters_reach_metrics() -> None:
    registry = CollectorRegistry()
    stats = attrs.evolve(StreamStats(), reconnects=3, fallback_active=True, malformed=2)
    registry.register(StreamStatsCollector("binanceusdm", lambda: stats))
    text = generate_latest(registry).decode()
    assert 'perps_stream_reconnects_total{venue="binanceusdm"} 3.0' in text
    assert 'perps_stream_malformed_total{venue="binanceusdm"} 2.0' in text
    assert 'perps_stream_fallback_active{venue="binanceusdm"} 1.0' in text
    assert 'perps_stream_connected{venue="binanceusdm"} 0.0' in text
