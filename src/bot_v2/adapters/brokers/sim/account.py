"""Account arithmetic over the exchange state: wallets, unrealized PnL, margins, available balance,
liquidation prices. Marks are passed in, so the same functions serve exact checks and reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from bot_v2.adapters.brokers.sim.liquidation import liquidation_price
from bot_v2.adapters.brokers.sim.margin import maintenance_margin
from bot_v2.adapters.brokers.sim.settings import MarginMode
from bot_v2.adapters.brokers.sim.state import ExchangeState, OrderState, PositionState
from bot_v2.domain.exact_sum import ExactSum
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
            used += self.initial_margin(symbol, position, mark)
        return self.cross_wallet() + upnl - used - self.reserved_by_orders()

    def initial_margin(self, symbol: str, position: PositionState, mark: Decimal) -> Decimal:
        """The initial margin a cross position uses at `mark`: one term of `available`, which
        InstantValuation adds too, so its sums equal this loop's."""
        return abs(position.size) * mark / self.leverage(symbol)

    def cross_terms_each(self, mark_of: MarkOf) -> dict[str, tuple[Decimal, Decimal]]:
        """`cross_terms(mark_of, exclude=s)` for every open cross position `s`, with the same
        values, in O(positions) instead of O(positions²): the sums over all positions less each
        one's own terms, when that is provably exact (see `_sums_without_each`); otherwise each is
        summed on its own, as `cross_terms` does."""
        symbols: list[str] = []
        upnls: list[Decimal] = []
        maints: list[Decimal] = []
        for symbol, position in open_positions(self.state):
            if self.mode(symbol) is not MarginMode.CROSS:
                continue
            mark = mark_of(symbol)
            symbols.append(symbol)
            upnls.append(unrealized(position, mark))
            maints.append(maintenance_margin(self.tiers[symbol], position.size * mark))
        upnl_others = _sums_without_each(upnls)
        maint_others = _sums_without_each(maints)
        if upnl_others is None or maint_others is None:
            return {s: self.cross_terms(mark_of, exclude=s) for s in symbols}
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
            (unrealized(p, mark_of(s)) for s, p in open_positions(self.state)), ZERO
        )


def _sums_without_each(values: list[Decimal]) -> list[Decimal] | None:
    """For each value, the sum of all the others; None when that cannot be done exactly.

    When ExactSum can answer for the whole sum, no sum of any of these values in any order rounds
    (see ExactSum), so `total - v` is exactly the sum of the others, whatever order they are
    added in: the same value a loop over the others gives."""
    acc = ExactSum()
    for v in values:
        acc.add(v)
    total = acc.total()
    if total is None:
        return None
    return [total - v for v in values]
