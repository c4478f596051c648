"""A bot's protection on the real sim exchange, without the cycle: the sim broker behind a
boundary that fails the calls a test names, the store, ledger and account sync, the real intent
path (ExecutionCoordinator, pre-trade risk, IntentCloser) and the risk state.

A fault is injected at the broker boundary, never inside our own code: "refused" (the venue says
no; nothing happened), "down" (no connection; nothing happened) or "lost" (the venue did it and
the answer was lost)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from bot_v2.adapters.brokers.sim.broker import SimBroker
from bot_v2.adapters.brokers.sim.lookahead import SkipQuiet
from bot_v2.domain.errors import ExchangeUnavailable, InvalidOrder, OrderOutcomeUnknown
from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.domain.positions import Position
from bot_v2.domain.risk import RiskLimits
from bot_v2.features.live_trade.account_sync import AccountSync
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.booking import Bookkeeper
from bot_v2.features.live_trade.execution import ExecutionCoordinator
from bot_v2.features.live_trade.protection import (
    FailurePolicy,
    IntentCloser,
    ProtectionService,
    Settings,
)
from bot_v2.features.live_trade.protection.ports import ExitPlanner
from bot_v2.features.live_trade.risk.pre_trade import PreTradeRisk
from bot_v2.features.live_trade.risk_context import RiskContextSource
from bot_v2.features.market_data.service import MarketDataService
from bot_v2.orchestration.backtest.memory_store import MemoryStateStore
from bot_v2.ports.monitor import IMonitor
from tests.unit.protection._support import PercentStop
from tests.unit.sim._support import NO_COSTS, SPEC, SYMBOL, T0, Clock, H, bars, feed

MODES = ("refused", "down", "lost")
# Calls that change something on the venue: a "lost" answer means the venue did it.
_ACTING = {"place_protective", "cancel_protective", "submit_order"}
LIMITS = RiskLimits(
    max_leverage=Decimal(10),
    max_order_notional=Decimal(10**6),
    max_symbol_notional=Decimal(10**6),
    max_total_notional=Decimal(10**6),
    daily_loss_limit=Decimal(10**6),
)


class FaultyVenue:
    """The sim broker, with the n-th venue call failing as `faults[n]` says; `after_call` runs
    after every call, failed or not (the invariant check)."""

    def __init__(
        self, inner: SimBroker, faults: Mapping[int, str], after_call: Callable[[], None]
    ) -> None:
        self.inner = inner
        self.faults = dict(faults)
        self.after_call = after_call
        self.calls = 0
        self.log: list[tuple[str, str]] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not name.startswith(("place_", "cancel_", "fetch_", "submit_")):
            return attr

        async def call(*args: Any, **kwargs: Any) -> Any:
            mode = self.faults.get(self.calls, "")
            self.calls += 1
            self.log.append((name, mode))
            try:
                if mode == "refused":
                    raise InvalidOrder(f"injected: {name} refused")
                if mode == "down":
                    raise ExchangeUnavailable(f"injected: {name} unreachable")
                result = await attr(*args, **kwargs)
                if mode == "lost" and name in _ACTING:
                    raise OrderOutcomeUnknown(f"injected: {name} answer lost")
                if mode == "lost":
                    raise ExchangeUnavailable(f"injected: {name} answer lost")
                return result
            finally:
                self.after_call()

        return call


class World:
    def __init__(
        self,
        *,
        tries: int = 2,
        policy: FailurePolicy = FailurePolicy.CLOSE,
        prices: Sequence[float | tuple[float, float, float, float]] = (1000.0,) * 48,
        faults: Mapping[int, str] | None = None,
        monitor: IMonitor | None = None,
        planner: ExitPlanner | None = None,
    ) -> None:
        self.clock = Clock(T0 + H)
        self.broker = SimBroker(
            feed(bars(prices)), self.clock, {SYMBOL: SPEC}, NO_COSTS, look_ahead=SkipQuiet
        )
        self.venue = FaultyVenue(self.broker, faults or {}, self.check)
        self.store = MemoryStateStore()
        self.ledger = Ledger(NO_COSTS.initial_balance)
        self.sync = AccountSync(self.venue, self.store, self.ledger, [SYMBOL])  # type: ignore[arg-type]
        self.marks = MarketDataService([SYMBOL], H)
        self.risk = RiskContextSource(
            ledger=self.ledger,
            marks=self.marks,
            store=self.store,
            clock=self.clock,
            limits=LIMITS,
            kill_switch=False,
            max_mark_staleness_ms=10**12,
        )
        markets = {SYMBOL: SPEC}
        self.execution = ExecutionCoordinator(
            "bot",
            self.venue,
            self.store,
            PreTradeRisk(LIMITS),
            markets,
            0,  # type: ignore[arg-type]
        )
        self.planner = PercentStop("0.05")
        self.service = ProtectionService(
            self.venue,  # type: ignore[arg-type]
            self.store,
            markets,
            Settings("bot", placement_tries=tries, on_stop_failure=policy),
            planner=planner or self.planner,
            closer=IntentCloser(self.execution, self.risk, self.sync, self.store),
            risk=self.risk,
            monitor=monitor,
        )
        self.armed = False
        self.violations: list[str] = []

    # -- the invariant ----------------------------------------------------------------------------
    def venue_position(self) -> Decimal:
        return sum((p.size for p in self.broker.exchange.positions([SYMBOL])), Decimal(0))

    def venue_stops(self) -> list[Any]:
        return [
            o
            for o in self.broker.exchange.conditional_orders([SYMBOL])
            if o.type is OrderType.STOP_MARKET and o.reduce_only
        ]

    def covered(self) -> bool:
        """Some stop on the venue closes the whole position, or it is flat, or the bot is halted
        (reduce-only, alerted)."""
        size = self.venue_position()
        if size == 0 or self.risk.state.reduce_only:
            return True
        closing = Side.SELL if size > 0 else Side.BUY
        return any(o.side is closing and o.size >= abs(size) for o in self.venue_stops())

    def check(self) -> None:
        if self.armed and not self.covered():
            self.violations.append(
                f"after call {self.venue.calls} {self.venue.log[-1]}: position "
                f"{self.venue_position()}, stops {self.venue_stops()}"
            )

    # -- driving ----------------------------------------------------------------------------------
    async def open_long(self, size: str = "1") -> None:
        request = OrderRequest("bot-entry", SYMBOL, Side.BUY, OrderType.MARKET, Decimal(size))
        await self.broker.submit_order(request)
        await self.book()

    async def open_long_again(self, size: str = "1") -> None:
        n = len(self.broker.exchange.state.fills)
        request = OrderRequest(f"bot-entry-{n}", SYMBOL, Side.BUY, OrderType.MARKET, Decimal(size))
        await self.broker.submit_order(request)
        await self.book()

    async def reduce(self, size: str) -> None:
        n = len(self.broker.exchange.state.fills)
        request = OrderRequest(
            f"bot-reduce-{n}", SYMBOL, Side.SELL, OrderType.MARKET, Decimal(size), reduce_only=True
        )
        await self.broker.submit_order(request)
        await self.book()

    async def book(self) -> None:
        """What the cycle's sync does at its top, without faults: every venue fill booked."""
        books = Bookkeeper(self.store, self.ledger)
        for fill in await self.broker.fetch_fills([SYMBOL], 0):
            books.book_fill(fill)

    async def protect(self, *, verify: bool = False) -> None:
        await self.service.run(
            self.clock.now_ms(),
            self.positions(),
            {SYMBOL: Decimal("1000")},
            verify=verify,
        )
        self.check()

    def positions(self) -> dict[str, Position]:
        return dict(self.ledger.positions)
