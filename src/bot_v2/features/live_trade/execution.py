"""ExecutionCoordinator turns a signal into orders: size, quantize, check risk, commit the intent,
then submit. No order leaves without its intent committed first."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

import attrs

from bot_v2.domain.errors import (
    BrokerError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
)
from bot_v2.domain.market import MarketSpec
from bot_v2.domain.money import quantize_size
from bot_v2.domain.orders import Order, OrderRequest, OrderType, Side
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.client_ids import client_order_id
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.pre_trade import PreTradeRisk
from bot_v2.ports.broker import IBroker
from bot_v2.ports.state_store import IStateStore


@attrs.frozen
class OrderOutcome:
    request: OrderRequest
    order: Order | None = None
    rejected_by: str = ""  # "risk: ..." or "broker: ..."
    # The venue may have it (the answer was lost): its intent stays pending, it is never resent.
    pending: bool = False

    @property
    def sent(self) -> bool:
        return self.order is not None


def orders_for(
    signal: Signal, position: Position, open_size: Decimal
) -> list[tuple[Side, Decimal, bool]]:
    """(side, size, reduce_only) legs that move `position` where the signal wants it. A flip is a
    reduce-only close followed by a fresh open, so risk sees the opening leg on its own."""
    legs: list[tuple[Side, Decimal, bool]] = []
    want = {Action.OPEN_LONG: 1, Action.OPEN_SHORT: -1, Action.CLOSE: 0}.get(signal.action)
    if want is None:
        return legs
    held = 0 if position.is_flat else (1 if position.size > 0 else -1)
    if held == want:
        return legs
    if held != 0:
        legs.append((Side.SELL if held > 0 else Side.BUY, abs(position.size), True))
    if want != 0 and open_size > 0:
        legs.append((Side.BUY if want > 0 else Side.SELL, open_size, False))
    return legs


class EntryDesk(Protocol):
    """Who places opening legs when entries are not market orders (maker.MakerDesk)."""

    async def keeps(self, signal: Signal, now_ms: int) -> bool:
        """Whether the symbol's working entry already is what `signal` asks for; any other
        signal withdraws it first."""

    async def enter(
        self, symbol: str, side: Side, size: Decimal, ctx: RiskContext, now_ms: int
    ) -> OrderOutcome: ...


class ExecutionCoordinator:
    def __init__(
        self,
        bot_id: str,
        broker: IBroker,
        store: IStateStore,
        risk: PreTradeRisk,
        markets: Mapping[str, MarketSpec],
        first_sequence: int,
    ) -> None:
        self._bot_id = bot_id
        self._broker = broker
        self._store = store
        self._risk = risk
        self._markets = dict(markets)
        self._sequence = first_sequence
        self.orders_sent = 0
        self.rejections = 0
        # [strategy.entry] kind = "maker": the desk places opening legs; None: market orders.
        self.entries: EntryDesk | None = None

    def next_client_id(self, symbol: str) -> str:
        """The id the next order sent for `symbol` carries (a maker entry stores it first)."""
        return client_order_id(self._bot_id, symbol, self._sequence)

    async def act(
        self, signal: Signal, open_size: Decimal, ctx: RiskContext, now_ms: int
    ) -> list[OrderOutcome]:
        entries = self.entries
        if entries is not None and await entries.keeps(signal, now_ms):
            return []
        position = ctx.positions.get(signal.symbol, Position(signal.symbol))
        outcomes: list[OrderOutcome] = []
        for side, size, reduce_only in orders_for(signal, position, open_size):
            spec = self._markets[signal.symbol]
            size = quantize_size(size, spec.step_size)
            if size < spec.min_size:
                continue
            if entries is not None and not reduce_only:
                # An opening leg is always the last: the desk rests it at the touch.
                outcomes.append(await entries.enter(signal.symbol, side, size, ctx, now_ms))
                break
            outcome = await self.submit(
                OrderRequest(
                    client_order_id=client_order_id(self._bot_id, signal.symbol, self._sequence),
                    symbol=signal.symbol,
                    side=side,
                    type=OrderType.MARKET,
                    size=size,
                    reduce_only=reduce_only,
                ),
                ctx,
                now_ms,
            )
            outcomes.append(outcome)
            if not outcome.sent:
                break
            if reduce_only:
                # The close is a market order: risk sees the opening leg from flat.
                flat = {**ctx.positions, signal.symbol: Position(signal.symbol)}
                ctx = attrs.evolve(ctx, positions=flat)
        return outcomes

    async def reduce(
        self, symbol: str, side: Side, size: Decimal, ctx: RiskContext, now_ms: int
    ) -> OrderOutcome | None:
        """A reduce-only market order that a protection asks for (a drawdown halt's flatten, a
        position near liquidation); None when the size rounds below the market's minimum."""
        spec = self._markets[symbol]
        size = quantize_size(size, spec.step_size)
        if size < spec.min_size or size <= 0:
            return None
        request = OrderRequest(
            client_order_id=client_order_id(self._bot_id, symbol, self._sequence),
            symbol=symbol,
            side=side,
            type=OrderType.MARKET,
            size=size,
            reduce_only=True,
        )
        return await self.submit(request, ctx, now_ms)

    async def submit(self, request: OrderRequest, ctx: RiskContext, now_ms: int) -> OrderOutcome:
        verdict = self._risk.check(request, ctx)
        if not verdict.approved:
            self.rejections += 1
            self._store.record_event(now_ms, "risk_rejected", f"{request.symbol}: {verdict.reason}")
            return OrderOutcome(request, rejected_by=f"risk: {verdict.reason}")
        self._store.record_intent(request, now_ms)
        self._sequence += 1
        try:
            order = await self._broker.submit_order(request)
        except ExchangeUnavailable as exc:
            # Unknown outcome (OrderOutcomeUnknown, or any network failure): the intent stays
            # pending, the order is never sent again, and reconciliation looks for it by id.
            self._store.record_event(now_ms, "submit_unknown", f"{request.client_order_id}: {exc}")
            return OrderOutcome(request, rejected_by=f"broker: {exc}", pending=True)
        except (InvalidOrder, InsufficientFunds) as exc:
            # The venue's answer: it refused the order, so it was never placed. Resolved now; left
            # pending, only a timeout would end it (lookups cannot tell a refusal from a lag).
            self._store.record_event(now_ms, "submit_rejected", f"{request.client_order_id}: {exc}")
            self._store.resolve_intent(request.client_order_id, "never_sent", now_ms)
            return OrderOutcome(request, rejected_by=f"broker: {exc}")
        except BrokerError as exc:
            # No answer about the order itself (rate limited after retries ...): lookups decide.
            self._store.record_event(now_ms, "submit_rejected", f"{request.client_order_id}: {exc}")
            return OrderOutcome(request, rejected_by=f"broker: {exc}", pending=True)
        self._store.record_order(order)
        self.orders_sent += 1
        return OrderOutcome(request, order)
