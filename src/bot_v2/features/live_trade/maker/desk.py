"""MakerDesk: works maker entries. An entry is a post-only limit at the touch (the best bid for a
buy, the best ask for a sell), sent through the execution's intent path like any order. Each cycle
the desk looks at it: filled, it is done; still resting after `reprice_after_s`, it is cancelled and
placed again at the new touch for what is left, up to `max_reprices` times; after the last wait the
rest goes out as a market order (fallback "market") or is given up ("cancel").

The working entries live in the store's meta and each change is stored before the desk relies on
it (before a placement is sent, before a fallback), so a restart resumes them where they were: a
resting order keeps its wait, a placement whose outcome was lost waits for reconciliation to
resolve its intent, one that ended moves on at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import attrs

from bot_v2.domain.errors import ExchangeUnavailable, InvalidOrder, OrderNotFound
from bot_v2.domain.market import MarketSpec
from bot_v2.domain.money import quantize_price, quantize_size
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus, OrderType, Side
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.execution import ExecutionCoordinator, OrderOutcome
from bot_v2.features.live_trade.maker.settings import EntrySettings
from bot_v2.features.live_trade.maker.working import META_KEY, WorkingEntry, decode, encode
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.ports.broker import IBroker
from bot_v2.ports.state_store import IStateStore
from bot_v2.ports.touch import ITouch, Touch

_WANTS = {Action.OPEN_LONG: Side.BUY, Action.OPEN_SHORT: Side.SELL}


def maker_price(touch: Touch, side: Side, tick: Decimal) -> Decimal:
    """Where a post-only entry rests: at the touch on its own side, never at or beyond the other
    side (that would take and be refused), on the tick grid toward the safe side."""
    if side is Side.BUY:
        price = min(touch.bid, touch.ask - tick)
    else:
        price = max(touch.ask, touch.bid + tick)
    return quantize_price(price, tick, side)


class MakerDesk:
    def __init__(
        self,
        settings: EntrySettings,
        execution: ExecutionCoordinator,
        broker: IBroker,
        touch: ITouch,
        store: IStateStore,
        markets: Mapping[str, MarketSpec],
    ) -> None:
        self._settings = settings
        self._execution = execution
        self._broker = broker
        self._touch = touch
        self._store = store
        self._markets = dict(markets)
        # What a crash left working is worked on from the first cycle.
        self._entries = decode(store.get_meta(META_KEY))
        self.placements = 0
        self.fallbacks = 0

    @property
    def working(self) -> Mapping[str, WorkingEntry]:
        return self._entries

    def _keep(self, entries: dict[str, WorkingEntry]) -> None:
        self._store.set_meta(META_KEY, encode(entries))
        self._entries = entries

    def _drop(self, symbol: str) -> None:
        self._keep({s: e for s, e in self._entries.items() if s != symbol})

    # -- what execution asks -------------------------------------------------------------------
    async def keeps(self, signal: Signal, now_ms: int) -> bool:
        """Whether the symbol's working entry already is what `signal` asks for (the same side
        opening). Any other signal withdraws it first, then acts as usual."""
        entry = self._entries.get(signal.symbol)
        if entry is None:
            return False
        if _WANTS.get(signal.action) is entry.side:
            return True
        await self.withdraw(signal.symbol)
        return False

    async def enter(
        self, symbol: str, side: Side, size: Decimal, ctx: RiskContext, now_ms: int
    ) -> OrderOutcome:
        return await self._place(symbol, side, size, 0, ctx, now_ms)

    async def withdraw(self, symbol: str) -> None:
        """Cancel the symbol's working entry (a later signal replaced it); what filled stays."""
        entry = self._entries.get(symbol)
        if entry is None:
            return
        order = await self._broker.fetch_order(symbol, entry.client_order_id)
        if order is not None and order.status.is_open:
            await self._cancel(entry)
        self._drop(symbol)

    # -- every cycle ---------------------------------------------------------------------------
    async def work(self, now_ms: int, contexts: Callable[[], RiskContext]) -> list[OrderOutcome]:
        """Move each working entry on: done, waiting, re-priced or fallen back."""
        outcomes: list[OrderOutcome] = []
        for symbol, entry in sorted(self._entries.items()):
            order = await self._broker.fetch_order(symbol, entry.client_order_id)
            if order is None and self._is_pending(entry.client_order_id):
                continue  # its outcome was lost: reconciliation finds it or resolves the intent
            if order is None and entry.lost:
                # Reconciliation gave up on it (unresolved_order): the venue may still hold it,
                # so no second order is placed beside it.
                self._drop(symbol)
                continue
            if order is not None and order.status.is_open:
                if now_ms - entry.placed_ms < self._settings.reprice_after_ms:
                    continue
                cancelled = await self._cancel(entry)
                if cancelled is None:
                    continue  # the venue did not answer: try again next cycle
                order = cancelled
            elif order is not None:
                # It ended on the venue (filled, refused): the store sees it now, not at the
                # next reconciliation pass.
                self._store.record_order(order)
            filled = order.filled if order is not None else Decimal(0)
            spec = self._markets[symbol]
            rest = quantize_size(entry.size - filled, spec.step_size)
            if rest < spec.min_size or rest <= 0:
                self._drop(symbol)
                continue
            if entry.reprices < self._settings.max_reprices:
                outcomes.append(
                    await self._place(
                        symbol, entry.side, rest, entry.reprices + 1, contexts(), now_ms
                    )
                )
                continue
            self._drop(symbol)
            if self._settings.fallback == "market":
                self.fallbacks += 1
                request = OrderRequest(
                    client_order_id=self._execution.next_client_id(symbol),
                    symbol=symbol,
                    side=entry.side,
                    type=OrderType.MARKET,
                    size=rest,
                )
                outcomes.append(await self._execution.submit(request, contexts(), now_ms))
        return outcomes

    # -- the venue -----------------------------------------------------------------------------
    async def _place(
        self, symbol: str, side: Side, size: Decimal, reprices: int, ctx: RiskContext, now_ms: int
    ) -> OrderOutcome:
        touch = await self._touch.fetch_touch(symbol)
        price = maker_price(touch, side, self._markets[symbol].tick_size)
        entry = WorkingEntry(
            symbol=symbol,
            side=side,
            size=size,
            client_order_id=self._execution.next_client_id(symbol),
            price=price,
            placed_ms=now_ms,
            reprices=reprices,
        )
        # Stored before it is sent: a crash in between leaves an entry a restart can look up.
        self._keep({**self._entries, symbol: entry})
        request = OrderRequest(
            client_order_id=entry.client_order_id,
            symbol=symbol,
            side=side,
            type=OrderType.LIMIT,
            size=size,
            price=price,
            post_only=True,
        )
        self.placements += 1
        outcome = await self._execution.submit(request, ctx, now_ms)
        if outcome.pending:
            self._keep({**self._entries, symbol: attrs.evolve(entry, lost=True)})
        elif outcome.rejected_by.startswith("risk"):
            self._drop(symbol)  # risk says no: the entry ends, as a refused market order would
        elif outcome.order is not None and outcome.order.status is OrderStatus.FILLED:
            self._drop(symbol)
        # Otherwise it rests, its outcome is pending, or the venue refused it (the touch moved
        # and it would have taken): the next cycle's work moves it on.
        return outcome

    async def _cancel(self, entry: WorkingEntry) -> Order | None:
        """Cancel the entry's order; its state after that (it may have filled meanwhile), or None
        when the venue did not answer."""
        try:
            order: Order | None = await self._broker.cancel_order(
                entry.symbol, entry.client_order_id
            )
        except (OrderNotFound, InvalidOrder):
            order = await self._broker.fetch_order(entry.symbol, entry.client_order_id)
        except ExchangeUnavailable:
            return None
        if order is not None:
            self._store.record_order(order)
        return order

    def _is_pending(self, client_order_id: str) -> bool:
        return any(
            i.request.client_order_id == client_order_id for i in self._store.load_pending_intents()
        )
