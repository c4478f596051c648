"""Account arithmetic over the exchange state: wallets, unrealized PnL, margins, available balance,
liquidation prices. Marks are passed in, so the same functions serve exact checks and reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from bot_v2.adapters.brokers.sim.liquidation import liquidation_price
from bot_v2.adapters.brokers.sim.margin import maintenance_margin
from bot_v2.adapters.brokers.sim.settings import MarginMode
from bot_v2.adapters.brokers.sim.state import ExchangeState, OrderState, PositionState
from bot_v2.domain.market import LeverageTier
from bot_v2.domain.money import ZERO
from bot_v2.domain.orders import OrderType

Tiers = Mapping[str, tuple[LeverageTier, ...]]
MarkOf = Callable[[str], Decimal]


def side_of(position: PositionState) -> int:
    return 1 if position.size > 0 else -1


def unrealized(position: PositionState, mark: Decimal) -> Decimal:
    return (mark - position.entry_price) * position.size


def open_positions(state: ExchangeState) -> Iterable[tuple[str, PositionState]]:
    return ((s, p) for s, p in state.positions.items() if p.size != 0)


class Account:
    """Read-only views of one state under one set of rules."""

    def __init__(
        self,
        state: ExchangeState,
        tiers: Tiers,
        default_mode: MarginMode,
        default_leverage: Decimal,
        open_orders: Callable[[], Iterable[OrderState]] | None = None,
    ) -> None:
        self.state = state
        # Resting orders, without walking the whole order history (the exchange keeps them apart).
        self._open_orders = open_orders or (
            lambda: (o for o in state.orders.values() if o.status.is_open)
        )
        self.tiers = tiers
        self.default_mode = default_mode
        self.default_leverage = default_leverage

    def mode(self, symbol: str) -> MarginMode:
        return self.state.margin_mode.get(symbol, self.default_mode)

    def leverage(self, symbol: str) -> Decimal:
        return self.state.leverage.get(symbol, self.default_leverage)

    def isolated_margin_total(self) -> Decimal:
        return sum(
            (
                p.margin
                for s, p in open_positions(self.state)
                if self.mode(s) is MarginMode.ISOLATED
            ),
            ZERO,
        )

    def cross_wallet(self) -> Decimal:
        return self.state.wallet - self.isolated_margin_total()

    def cross_terms(self, mark_of: MarkOf, exclude: str | None = None) -> tuple[Decimal, Decimal]:
        """(unrealized PnL, maintenance margin) of the cross positions other than `exclude`."""
        upnl = ZERO
        maint = ZERO
        for symbol, position in open_positions(self.state):
            if symbol == exclude or self.mode(symbol) is not MarginMode.CROSS:
                continue
            mark = mark_of(symbol)
            upnl += unrealized(position, mark)
            maint += maintenance_margin(self.tiers[symbol], position.size * mark)
        return upnl, maint

    def reserved_by_orders(self) -> Decimal:
        """Initial margin held for resting orders that can add exposure."""
        total = ZERO
        for order in self._open_orders():
            if not order.reduce_only and order.type is OrderType.LIMIT:
                price = order.price if order.price is not None else ZERO
                total += order.remaining * price / self.leverage(order.symbol)
        return total

    def available(self, mark_of: MarkOf) -> Decimal:
        """What a new order may use as initial margin: the cross wallet plus cross unrealized PnL,
        less the initial margin of cross positions and of resting orders."""
        upnl = ZERO
        used = ZERO
        for symbol, position in open_positions(self.state):
            if self.mode(symbol) is not MarginMode.CROSS:
                continue
            mark = mark_of(symbol)
            upnl += unrealized(position, mark)
            used += abs(position.size) * mark / self.leverage(symbol)
        return self.cross_wallet() + upnl - used - self.reserved_by_orders()

    def liquidation_price(
        self,
        symbol: str,
        mark_of: MarkOf,
        other_terms: tuple[Decimal, Decimal] | None = None,
    ) -> Decimal | None:
        position = self.state.positions.get(symbol)
        if position is None or position.size == 0:
            return None
        side, size, entry = side_of(position), abs(position.size), position.entry_price
        tiers = self.tiers[symbol]
        if self.mode(symbol) is MarginMode.ISOLATED:
            return liquidation_price(
                side=side, size=size, entry_price=entry, wallet_balance=position.margin, tiers=tiers
            )
        upnl, maint = other_terms if other_terms is not None else self.cross_terms(mark_of, symbol)
        return liquidation_price(
            side=side,
            size=size,
            entry_price=entry,
            wallet_balance=self.cross_wallet(),
            tiers=tiers,
            other_maintenance=maint,
            other_unrealized=upnl,
        )

    def equity(self, mark_of: MarkOf) -> Decimal:
        return self.state.wallet + sum(
            (unrealized(p, mark_of(s)) for s, p in open_positions(self.state)), ZERO
        )
