"""Account arithmetic over the exchange state: wallets, unrealized PnL, margins, available balance,
liquidation prices. Marks are passed in, so the same functions serve exact checks and reports.

Every sum over positions adds its terms on the money grid (domain.money.on_grid), as
InstantValuation's kept sums do: so those are the very Decimals these loops give."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from bot_v2.adapters.brokers.sim.liquidation import liquidation_price
from bot_v2.adapters.brokers.sim.margin import maintenance_margin
from bot_v2.adapters.brokers.sim.settings import MarginMode
from bot_v2.adapters.brokers.sim.state import ExchangeState, OrderState, PositionState
from bot_v2.domain.market import LeverageTier
from bot_v2.domain.money import ZERO, on_grid
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
                on_grid(p.margin)
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
            upnl += on_grid(unrealized(position, mark))
            maint += on_grid(maintenance_margin(self.tiers[symbol], position.size * mark))
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
            upnl += on_grid(unrealized(position, mark))
            used += on_grid(self.initial_margin(symbol, position, mark))
        return self.cross_wallet() + upnl - used - self.reserved_by_orders()

    def initial_margin(self, symbol: str, position: PositionState, mark: Decimal) -> Decimal:
        """The initial margin a cross position uses at `mark`: one term of `available` (before it is
        put on the grid), which InstantValuation adds too."""
        return abs(position.size) * mark / self.leverage(symbol)

    def cross_terms_each(self, mark_of: MarkOf) -> dict[str, tuple[Decimal, Decimal]]:
        """`cross_terms(mark_of, exclude=s)` for every open cross position `s`, with the same
        values, in O(positions) instead of O(positions²): the sums over all positions less each
        one's own terms (see `_sums_without_each`)."""
        symbols: list[str] = []
        upnls: list[Decimal] = []
        maints: list[Decimal] = []
        for symbol, position in open_positions(self.state):
            if self.mode(symbol) is not MarginMode.CROSS:
                continue
            mark = mark_of(symbol)
            symbols.append(symbol)
            upnls.append(on_grid(unrealized(position, mark)))
            maints.append(on_grid(maintenance_margin(self.tiers[symbol], position.size * mark)))
        upnl_others = _sums_without_each(upnls)
        maint_others = _sums_without_each(maints)
        return dict(zip(symbols, zip(upnl_others, maint_others, strict=True), strict=True))

    def liquidation_price(
        self,
        symbol: str,
        mark_of: MarkOf,
        other_terms: tuple[Decimal, Decimal] | None = None,
        cross_wallet: Decimal | None = None,
    ) -> Decimal | None:
        """`other_terms` and `cross_wallet`, when given, must be what `cross_terms` and
        `cross_wallet()` give now: callers valuing many positions compute them once."""
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
            wallet_balance=self.cross_wallet() if cross_wallet is None else cross_wallet,
            tiers=tiers,
            other_maintenance=maint,
            other_unrealized=upnl,
        )

    def equity(self, mark_of: MarkOf) -> Decimal:
        return self.state.wallet + sum(
            (on_grid(unrealized(p, mark_of(s))) for s, p in open_positions(self.state)), ZERO
        )


def _sums_without_each(terms: list[Decimal]) -> list[Decimal]:
    """For each term (on the grid), the sum of all the others: `total - term` is exact on the grid
    (see domain.money.GRID), so it is the Decimal a loop over the others gives, in any order; with
    no others that loop gives ZERO."""
    if len(terms) < 2:
        return [ZERO] * len(terms)
    total = sum(terms, ZERO)
    return [total - term for term in terms]
