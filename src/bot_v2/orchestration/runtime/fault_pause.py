"""TEST-ONLY fault hooks for the crash-recovery tests (tests/integration/recovery). Unset in any real
run, they cost nothing: `wrap` returns the broker itself.

- PERPS_FAULT_PAUSE_AFTER=intent|submit freezes the process after the Nth order's intent is
  committed but before it is sent, or after the venue accepted it but before anything about it is
  stored. It prints `fault-pause: ...` on stderr first, so a test knows when to SIGKILL.
- PERPS_FAULT_PAUSE_NTH=N picks the order (1-based, default 1) counted from this process's start.
- PERPS_FAULT_SUBMIT_LOG=path appends each client order id (orders and protective orders) just
  before it goes to the broker, so a test can prove that no id was ever sent twice.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot_v2.domain.errors import ConfigError
from bot_v2.domain.orders import Order, OrderRequest
from bot_v2.ports.broker import IBroker

PAUSE_ENV = "PERPS_FAULT_PAUSE_AFTER"
NTH_ENV = "PERPS_FAULT_PAUSE_NTH"
LOG_ENV = "PERPS_FAULT_SUBMIT_LOG"
POINTS = ("intent", "submit")
# Long enough for any test to kill us; bounded so a forgotten process still ends.
PAUSE_S = 120.0


def wrap(broker: IBroker, environ: Mapping[str, str]) -> IBroker:
    point = environ.get(PAUSE_ENV, "")
    log_path = environ.get(LOG_ENV, "")
    if not point and not log_path:
        return broker
    if point and point not in POINTS:
        raise ConfigError([f"{PAUSE_ENV}: must be one of {', '.join(POINTS)}, got {point!r}"])
    try:
        nth = int(environ.get(NTH_ENV, "1"))
    except ValueError:
        raise ConfigError([f"{NTH_ENV}: must be a whole number"]) from None
    return FaultPausingBroker(broker, point, nth, Path(log_path) if log_path else None)


class FaultPausingBroker:
    def __init__(self, inner: IBroker, point: str, nth: int, log_path: Path | None) -> None:
        self._inner = inner
        self._point = point
        self._nth = nth
        self._log_path = log_path
        self._count = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def submit_order(self, request: OrderRequest) -> Order:
        self._count += 1
        if self._point == "intent" and self._count == self._nth:
            self._pause(request)
        if self._log_path is not None:
            with self._log_path.open("a") as f:
                f.write(request.client_order_id + "\n")
        order = await self._inner.submit_order(request)
        if self._point == "submit" and self._count == self._nth:
            self._pause(request)
        return order

    async def place_protective(self, request: OrderRequest) -> Order:
        """Logged like an order (no protective client id is sent twice either); never paused."""
        if self._log_path is not None:
            with self._log_path.open("a") as f:
                f.write(request.client_order_id + "\n")
        order: Order = await self._inner.place_protective(request)  # type: ignore[attr-defined]
        return order

    def _pause(self, request: OrderRequest) -> None:
        print(
            f"fault-pause: after {self._point} of {request.client_order_id} (pid {os.getpid()})",
            file=sys.stderr,
            flush=True,
        )
        # Block the whole event loop, as a frozen process would: nothing else may happen here.
        time.sleep(PAUSE_S)
