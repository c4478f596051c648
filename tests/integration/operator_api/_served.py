"""An operator API server over a real loopback socket, built from the real parts: the control queue
and snapshot board the runtime uses, a state database, token auth."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from bot_v2.adapters.http.auth import ApiAuth, ApiTokens
from bot_v2.adapters.http.operator_api import OperatorApiServer
from bot_v2.adapters.http.parts import ApiParts, ServerLimits
from bot_v2.adapters.http.store_reader import StoreReader
from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.monitoring.system_monitor import SystemMonitor
from bot_v2.orchestration.runtime.control_queue import ControlQueue, SnapshotBoard

VIEWER = "viewer-token-for-tests"
OPERATOR = "operator-token-for-tests"


@contextmanager
def served(
    tmp_path: Path,
    *,
    tokens: ApiTokens | None = None,
    limits: ServerLimits | None = None,
    logins_per_minute: int = 5,
    prepare: Callable[[SqliteStateStore], None] | None = None,
) -> Iterator[tuple[str, ControlQueue, SnapshotBoard]]:
    store = SqliteStateStore(tmp_path / "state.db")
    store.open()
    store.record_equity(1_704_067_200_000, Decimal(10000))
    if prepare is not None:
        prepare(store)
    queue, board = ControlQueue(), SnapshotBoard()
    parts = ApiParts(
        auth=ApiAuth(
            tokens if tokens is not None else ApiTokens(VIEWER, OPERATOR), 3600, logins_per_minute
        ),
        controls=queue,
        view=board,
        store=StoreReader(tmp_path / "state.db"),
        effective_config=lambda: {"config": {}},
    )
    server = OperatorApiServer(SystemMonitor("dev", "perps-dev"), "127.0.0.1", 0, parts, limits)
    server.start()
    try:
        yield server.address, queue, board
    finally:
        server.stop()
        store.close()
