"""Factory functions the container calls for the operator API and the controls: the server with its
auth and read ports, the desk that applies controls between cycles, and the refusal to serve an
open API on a non-loopback address."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bot_v2.adapters.http.auth import ApiAuth, ApiTokens
from bot_v2.adapters.http.operator_api import OperatorApiServer
from bot_v2.adapters.http.parts import ApiParts, ServerLimits
from bot_v2.adapters.http.store_reader import StoreReader
from bot_v2.domain.errors import ConfigError
from bot_v2.monitoring.control_metrics import ControlMetrics
from bot_v2.monitoring.system_monitor import SystemMonitor
from bot_v2.orchestration.config.converter import make_converter
from bot_v2.orchestration.config.credentials import redact
from bot_v2.orchestration.config.models import BotConfig, Secrets
from bot_v2.orchestration.factories import state_path
from bot_v2.orchestration.runtime.control_desk import ControlDesk
from bot_v2.orchestration.runtime.control_queue import ControlQueue, SnapshotBoard

VIEWER_TOKEN = "PERPS_VIEWER_TOKEN"
OPERATOR_TOKEN = "PERPS_OPERATOR_TOKEN"


def read_tokens(environ: Mapping[str, str]) -> ApiTokens:
    return ApiTokens(viewer=environ.get(VIEWER_TOKEN, ""), operator=environ.get(OPERATOR_TOKEN, ""))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_open_api(config: BotConfig, environ: Mapping[str, str]) -> None:
    """An API without tokens is read-only for anyone who reaches it: only on loopback."""
    host = config.monitoring.http_host
    if config.api.enabled and not is_loopback(host) and not read_tokens(environ).any:
        raise ConfigError(
            [
                f"config.monitoring.http_host: {host} is not a loopback address and neither "
                f"{VIEWER_TOKEN} nor {OPERATOR_TOKEN} is set; set them or use 127.0.0.1"
            ]
        )


def effective_config(config: BotConfig, secrets: Secrets) -> dict[str, Any]:
    """The config as `config show` has it (secrets redacted, their presence only), as JSON."""
    data = make_converter().unstructure(config)
    text = redact(json.dumps(data, default=str), secrets)
    return {
        "config": json.loads(text),
        "secrets": {
            "api_key": bool(secrets.api_key),
            "api_secret": bool(secrets.api_secret),
            "api_password": bool(secrets.api_password),
        },
    }


def log_file(config: BotConfig, data_dir: Path) -> Path | None:
    """Where cli/logs.py writes the run's log (the same rule: <data_dir>/logs/perps-bot.<ext>)."""
    settings = config.logging
    if not settings.enabled:
        return None
    return Path(data_dir) / "logs" / f"perps-bot.{'jsonl' if settings.format == 'json' else 'log'}"


def operator_api(
    config: BotConfig,
    secrets: Secrets,
    monitor: SystemMonitor,
    environ: Mapping[str, str],
    queue: ControlQueue,
    board: SnapshotBoard,
    data_dir: Path,
) -> OperatorApiServer:
    a = config.api
    limits = ServerLimits(
        idle_timeout_s=a.idle_timeout_s,
        max_connections=a.max_connections,
        max_body_bytes=a.max_body_bytes,
        max_header_bytes=a.max_header_bytes,
    )
    parts = None
    if a.enabled:
        parts = ApiParts(
            auth=ApiAuth(read_tokens(environ), a.session_ttl_s, a.login_attempts_per_minute),
            controls=queue,
            view=board,
            store=StoreReader(state_path(Path(data_dir))),
            effective_config=lambda: effective_config(config, secrets),
            log_file=log_file(config, Path(data_dir)),
            maintenance_margin_rate=config.protections.maintenance_margin_rate,
        )
    host, port = config.monitoring.http_host, config.monitoring.http_port
    return OperatorApiServer(monitor, host, port, parts, limits)


def control_metrics(monitor: object) -> ControlMetrics | None:
    """In the monitor's registry; None for a monitor without one (a backtest's quiet stand-in)."""
    registry = getattr(monitor, "registry", None)
    return None if registry is None else ControlMetrics(registry)


def control_desk(metrics: ControlMetrics | None, **parts: Any) -> ControlDesk:
    """The desk, reporting each control and the switches to the metrics when there are any."""
    if metrics is not None:
        parts.update(on_control=metrics.on_control, on_flags=metrics.on_flags)
    return ControlDesk(**parts)


def slots_detail(monitor: object) -> Callable[[list[dict[str, object]]], None]:
    """Each slot's results into /health's `slots` (a monitor without details ignores them)."""
    set_detail = getattr(monitor, "set_detail", None)

    def publish(slots: list[dict[str, object]]) -> None:
        if set_detail is not None:
            set_detail("slots", slots)

    return publish
