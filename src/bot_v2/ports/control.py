"""IControls and IOperatorView: what the operator API asks of the running bot, without importing it.

A control is a command queued by the API's thread and applied by the runtime between two cycles,
never half-way through one; the API waits on the returned future for the outcome. The view is a
read-only snapshot the runtime publishes after each cycle, so a read never reaches into the
trading loop."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

import attrs


class ControlAction(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    REDUCE_ONLY_ON = "reduce_only_on"
    REDUCE_ONLY_OFF = "reduce_only_off"
    KILL = "kill"
    FLATTEN = "flatten"
    CANCEL_ORDERS = "cancel_orders"
    STRATEGY_PARAMS = "strategy_params"


@attrs.frozen
class ControlCommand:
    action: ControlAction
    # "operator" (or "cli" in tests): who asked, journaled with the outcome.
    role: str
    # Wall-clock time of the request, in ms.
    requested_ms: int
    # flatten and cancel_orders: one symbol, or empty for every symbol.
    symbol: str = ""
    # strategy_params: the [strategy] keys to change and their new values, as the config file has them.
    params: Mapping[str, Any] = attrs.field(factory=dict)
    # strategy_params with [[strategies]] slots: the slot whose params change, by its label (as
    # /api/v1/strategies lists it) or its index (as config errors name it); None: [strategy].
    slot: str | int | None = None


@attrs.frozen
class ControlResult:
    action: ControlAction
    # "applied" (it changed something), "unchanged" (already so: controls are idempotent) or
    # "refused" (detail says why).
    status: str
    detail: str = ""
    applied_ms: int = 0


class IControls(Protocol):
    def submit(self, command: ControlCommand) -> Future[ControlResult]:
        """Queue `command` for the runtime; the future completes once it was applied between two
        cycles (or refused)."""


@attrs.frozen
class ProtectiveOrderView:
    """One protective order protection holds for a position, as its ownership record says."""

    client_order_id: str
    role: str  # "stop" or "take_profit"
    rung: int | None
    kind: str
    side: str
    trigger_price: Decimal
    size: Decimal
    status: str


@attrs.frozen
class PositionView:
    symbol: str
    size: Decimal
    entry_price: Decimal
    mark: Decimal | None
    unrealized_pnl: Decimal | None
    # What protection holds for it: () known unprotected, None unknown (nothing published it).
    protective_orders: tuple[ProtectiveOrderView, ...] | None = None


@attrs.frozen
class Flags:
    """Why new exposure is blocked, per switch; empty when off."""

    paused: str = ""
    reduce_only: str = ""
    day_halt: str = ""
    kill_switch: str = ""
    # The runtime's own reduce-only (a venue ban, an incomplete reconciliation, config).
    runtime_reduce_only: str = ""


@attrs.frozen
class RuntimeSnapshot:
    """What the runtime publishes after each cycle (and once at start)."""

    state: str = "starting"
    cycle: int = 0
    clock_ms: int = 0
    equity: Decimal | None = None
    cash: Decimal | None = None
    day_pnl: Decimal | None = None
    flags: Flags = Flags()
    positions: tuple[PositionView, ...] = ()
    strategy: str = ""
    strategy_params: Mapping[str, Any] = attrs.field(factory=dict)
    # [[strategies]] slots, each as SlotResult.document() gives it; empty with one [strategy].
    slots: tuple[Mapping[str, Any], ...] = ()
    # The day's start, peak and drawdown figures of the risk state, as text.
    risk: Mapping[str, Any] = attrs.field(factory=dict)


class IOperatorView(Protocol):
    def snapshot(self) -> RuntimeSnapshot:
        """The latest published snapshot (a frozen value: safe to read from any thread)."""
