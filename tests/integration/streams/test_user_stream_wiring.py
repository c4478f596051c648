"""The container picks the private stream an operator would expect for each configuration, and both
streams' counters reach /metrics through one collector."""

from __future__ import annotations

import logging
from pathlib import Path

import attrs
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from bot_v2.features.streaming.counters import StreamStats
from bot_v2.features.streaming.service import StreamingService
from bot_v2.monitoring.stream_metrics import StreamStatsCollector
from bot_v2.orchestration.builders import make_container
from bot_v2.orchestration.config import load_config

SECRETS_ENV = {"PERPS_API_KEY": "k" * 8, "PERPS_API_SECRET": "s" * 8}


def user_stream_for(tmp_path: Path, profile: str, *overrides: str) -> object:
    loaded = load_config(profile, None, SECRETS_ENV, overrides)
    return make_container(loaded.config, loaded.secrets, tmp_path).user_stream()


def test_canary_and_prod_open_the_binance_user_stream(tmp_path: Path) -> None:
    for profile in ("canary", "prod"):
        stream = user_stream_for(tmp_path, profile)
        assert isinstance(stream, StreamingService) and stream.name == "binanceusdm-user"


def test_user_url_points_the_stream_elsewhere(tmp_path: Path) -> None:
    stream = user_stream_for(tmp_path, "canary", "streaming.user_url=ws://127.0.0.1:9/")
    assert isinstance(stream, StreamingService)
    assert stream._transport._base_url == "ws://127.0.0.1:9"  # type: ignore[attr-defined]


def test_no_user_stream_in_a_replay_when_off_or_on_a_venue_without_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert user_stream_for(tmp_path, "dev") is None
    assert user_stream_for(tmp_path, "dev", "streaming.user_stream=true") is None
    assert user_stream_for(tmp_path, "canary", "streaming.user_stream=false") is None
    caplog.set_level(logging.WARNING)
    assert user_stream_for(tmp_path, "prod", "broker.exchange=bybit") is None
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "no private user data stream for bybit; fills come from the REST sync each cycle"
    ]


def test_both_streams_reach_metrics_through_one_collector() -> None:
    registry = CollectorRegistry(auto_describe=True)
    public = attrs.evolve(StreamStats(), reconnects=3, healthy=True)
    private = attrs.evolve(StreamStats(), resyncs=2, resync_failures=1, connected=True)
    collector = StreamStatsCollector("binanceusdm", lambda: public)
    collector.add("binanceusdm-user", lambda: private)
    registry.register(collector)
    text = generate_latest(registry).decode()
    assert 'perps_stream_reconnects_total{venue="binanceusdm"} 3.0' in text
    assert 'perps_stream_reconnects_total{venue="binanceusdm-user"} 0.0' in text
    assert 'perps_stream_resyncs_total{venue="binanceusdm-user"} 2.0' in text
    assert 'perps_stream_resync_failures_total{venue="binanceusdm-user"} 1.0' in text
    assert 'perps_stream_connected{venue="binanceusdm-user"} 1.0' in text
    assert 'perps_stream_healthy{venue="binanceusdm"} 1.0' in text
    assert text.count("# TYPE perps_stream_resyncs_total counter") == 1
