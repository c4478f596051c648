"""What the operator API is built from besides the health source: the ports it reads and steers
through, and the settings of its server."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from bot_v2.adapters.http.auth import ApiAuth
from bot_v2.adapters.http.store_reader import StoreReader
from bot_v2.ports.control import IControls, IOperatorView


@attrs.frozen
class ServerLimits:
    idle_timeout_s: Decimal = Decimal(5)
    max_connections: int = 100
    max_body_bytes: int = 65_536
    max_header_bytes: int = 16_384


@attrs.frozen
class ApiParts:
    auth: ApiAuth
    controls: IControls
    view: IOperatorView
    store: StoreReader
    # The effective config as JSON, secrets redacted (orchestration renders it).
    effective_config: Callable[[], dict[str, Any]]
    # The run's log file, for the log tail; None when file logging is off.
    log_file: Path | None = None
    # protections.maintenance_margin_rate: the liquidation estimate shown with each position.
    maintenance_margin_rate: Decimal = Decimal("0.005")
