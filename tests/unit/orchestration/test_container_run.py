"""The container builds a run's objects: the crash tests' fault hooks are chosen there from the
environment, and a backtest's container swaps in its stand-ins by overriding providers."""

from __future__ import annotations

from pathlib import Path

import pytest
from dependency_injector import providers

from bot_v2.domain.errors import ConfigError
from bot_v2.orchestration.backtest.memory_store import MemoryStateStore
from bot_v2.orchestration.backtest.quiet import NoApi, QuietMonitor
from bot_v2.orchestration.backtest.wiring import backtest_container
from bot_v2.orchestration.builders import make_container
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.container import Container
from bot_v2.orchestration.runtime.fault_pause import FaultPausingBroker


def dev_container(tmp_path: Path, environ: dict[str, str]) -> Container:
    loaded = load_config("dev", None, {}, [])
    container = make_container(loaded.config, loaded.secrets, tmp_path)
    container.environ.override(providers.Object(environ))
    return container


def test_orders_go_to_the_broker_itself_without_fault_hooks(tmp_path: Path) -> None:
    container = dev_container(tmp_path, {})
    assert container.order_broker() is container.broker()


def test_fault_hooks_in_the_environment_wrap_the_broker(tmp_path: Path) -> None:
    container = dev_container(tmp_path, {"PERPS_FAULT_PAUSE_AFTER": "submit"})
    wrapped = container.order_broker()
    assert isinstance(wrapped, FaultPausingBroker)
    assert wrapped._inner is container.broker()


def test_a_bad_fault_hook_is_refused_when_the_broker_is_built(tmp_path: Path) -> None:
    container = dev_container(tmp_path, {"PERPS_FAULT_PAUSE_AFTER": "sometime"})
    with pytest.raises(ConfigError, match="PERPS_FAULT_PAUSE_AFTER"):
        container.order_broker()


def test_a_backtest_is_the_same_container_with_stand_ins(tmp_path: Path) -> None:
    loaded = load_config("dev", None, {}, [])
    feed = make_container(loaded.config, loaded.secrets, tmp_path).replay_feed()
    container = backtest_container(loaded.config, feed, fast=False, on_report=lambda r: None)
    lifecycle = container.lifecycle()
    assert isinstance(lifecycle.monitor, QuietMonitor)
    assert isinstance(lifecycle.session.api, NoApi)
    assert isinstance(lifecycle.store, MemoryStateStore)
    assert container.order_broker() is container.broker()
    assert container.replay_feed() is feed
