"""What the protection service asks of the rest of the bot, as Protocols: the exit planner (the
exits package's `plan_exits`), the intent path that closes a position (IntentCloser), and the risk
state that holds the bot reduce-only (RiskContextSource)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from bot_v2.domain.market import Candle
from bot_v2.domain.orders import Order
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.values import ExitKind, ExitPlan, ExitState
from bot_v2.features.live_trade.risk.state import RiskState


class ExitPlanner(Protocol):
    """Where each open position's exits are (ExitsPlanner: the exits package)."""

    def observe(self, candles: Sequence[Candle]) -> None:
        """The cycle's newly closed candles (the prices a trailing stop follows, the ATR)."""

    def open(self, position: Position, now_ms: int) -> ExitState:
        """The exit state of a position the service sees for the first time."""

    def plan(
        self, position: Position, state: ExitState, mark: Decimal, now_ms: int
    ) -> tuple[ExitState, ExitPlan]:
        """The position's exit state moved on to now, and what it should hold now."""


class Closer(Protocol):
    async def __call__(self, symbol: str, kind: ExitKind, now_ms: int) -> bool:
        """Close the symbol's whole position reduce-only through the intent path; True when the
        order went out."""


class RiskHolder(Protocol):
    @property
    def state(self) -> RiskState: ...

    def keep(self, state: RiskState) -> bool:
        """Store the state (before it is relied on) and keep it."""


class Lookup(Protocol):
    async def __call__(self, symbol: str, client_order_id: str) -> Order | None:
        """The venue's order with that client id, any state, or None (IBroker.fetch_order)."""
