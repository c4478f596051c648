"""Our own books: positions, cash and round trips, built only from fills and funding payments.

Every event is applied once: fills by fill_id and funding by (symbol, timestamp_ms), so replaying a
venue's history over a ledger that already saw part of it is harmless.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType

import attrs

from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.money import ZERO, on_grid
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import FillEffect, Position, apply_fill


@attrs.frozen
class ClosedTrade:
    """One round trip, flat to flat (a flip ends one and starts the next).

    `size` is the total quantity closed, `entry_price` and `exit_price` the size-weighted averages of
    the opening and closing fills. `pnl` is realized price PnL; fees and funding are what was charged
    and received while this trade was open, so `net` is what it did to cash.
    """

    symbol: str
    side: Side
    size: Decimal
    entry_price: Decimal
    exit_price: Decimal
    opened_ms: int
    closed_ms: int
    pnl: Decimal
    fees: Decimal
    funding: Decimal

    @property
    def net(self) -> Decimal:
        return self.pnl - self.fees + self.funding


@attrs.define
class _OpenTrade:
    symbol: str
    side: Side
    opened_ms: int
    opened_size: Decimal = ZERO
    opened_value: Decimal = ZERO
    closed_size: Decimal = ZERO
    closed_value: Decimal = ZERO
    pnl: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO

    def open(self, size: Decimal, price: Decimal, fee: Decimal) -> None:
        self.opened_size += size
        self.opened_value += size * price
        self.fees += fee

    def close(self, size: Decimal, price: Decimal, fee: Decimal, pnl: Decimal) -> None:
        self.closed_size += size
        self.closed_value += size * price
        self.fees += fee
        self.pnl += pnl

    def finish(self, closed_ms: int) -> ClosedTrade:
        return ClosedTrade(
            symbol=self.symbol,
            side=self.side,
            size=self.closed_size,
            entry_price=self.opened_value / self.opened_size,
            exit_price=self.closed_value / self.closed_size,
            opened_ms=self.opened_ms,
            closed_ms=closed_ms,
            pnl=self.pnl,
            fees=self.fees,
            funding=self.funding,
        )


class Ledger:
    def __init__(self, initial_balance: Decimal) -> None:
        self._initial = initial_balance
        self._positions: dict[str, Position] = {}
        self._open: dict[str, _OpenTrade] = {}
        self._closed: list[ClosedTrade] = []
        self._fill_ids: set[str] = set()
        self._funding_keys: set[tuple[str, int]] = set()
        self._realized = ZERO
        self._fees = ZERO
        self._funding = ZERO
        # The symbol of every booked fill, in order: who values the ledger asks what moved since.
        self._moves: list[str] = []

    def apply_fill(self, fill: Fill, effect: FillEffect | None = None) -> bool:
        """Book a fill. False, and nothing changes, when this fill_id was already booked.

        `effect`: the fill folded into this symbol's position already, by the store that booked it
        first (the Bookkeeper hands it over), so a fill is folded once on our side. The ledger holds
        the store's fills in the store's order (it is built from them on every start), so its
        position before the fill is the one the store folded. Without it (the rebuild from the
        store on a start) the ledger folds the fill itself."""
        if fill.fill_id in self._fill_ids:
            return False
        if fill.size <= 0:
            raise ValueError(f"fill {fill.fill_id}: size must be > 0, got {fill.size}")
        before = self.position(fill.symbol)
        if effect is None:
            effect = apply_fill(before, fill.side, fill.size, fill.price)
        self._book_trade(fill, before, effect.position, effect.realized_pnl)
        if effect.position.is_flat:
            self._positions.pop(fill.symbol, None)
        else:
            self._positions[fill.symbol] = effect.position
        self._realized += effect.realized_pnl
        self._fees += fill.fee
        self._fill_ids.add(fill.fill_id)
        self._moves.append(fill.symbol)
        return True

    def apply_funding(self, payment: FundingPayment) -> bool:
        """Book a funding payment. False, and nothing changes, when (symbol, time) was already booked."""
        key = (payment.symbol, payment.timestamp_ms)
        if key in self._funding_keys:
            return False
        self._funding_keys.add(key)
        self._funding += payment.amount
        trade = self._open.get(payment.symbol)
        if trade is not None:
            trade.funding += payment.amount
        return True

    @property
    def move_count(self) -> int:
        """Fills booked so far (each moved one symbol's position)."""
        return len(self._moves)

    def moved_since(self, count: int) -> Sequence[str]:
        """The symbols whose positions moved after the first `count` fills."""
        return self._moves[count:]

    def has_fill(self, fill_id: str) -> bool:
        return fill_id in self._fill_ids

    def has_funding(self, symbol: str, timestamp_ms: int) -> bool:
        return (symbol, timestamp_ms) in self._funding_keys

    def position(self, symbol: str) -> Position:
        return self._positions.get(symbol) or Position(symbol)

    @property
    def positions(self) -> Mapping[str, Position]:
        """Open positions only, by symbol (a read-only view)."""
        return MappingProxyType(self._positions)

    @property
    def initial_balance(self) -> Decimal:
        return self._initial

    @property
    def cash(self) -> Decimal:
        return self._initial + self._realized - self._fees + self._funding

    @property
    def realized_pnl(self) -> Decimal:
        return self._realized

    @property
    def fees_paid(self) -> Decimal:
        return self._fees

    @property
    def funding_net(self) -> Decimal:
        return self._funding

    @property
    def closed_trades(self) -> Sequence[ClosedTrade]:
        return tuple(self._closed)

    @property
    def fill_count(self) -> int:
        return len(self._fill_ids)

    def _book_trade(self, fill: Fill, before: Position, after: Position, realized: Decimal) -> None:
        """Attribute the fill to round trips: the part that closes goes to the open trade, the rest
        (adding, opening, or the far side of a flip) to the trade that is open afterwards."""
        symbol = fill.symbol
        if before.is_flat or before.side is fill.side:
            trade = self._open.get(symbol)
            if trade is None:
                trade = _OpenTrade(symbol, fill.side, fill.timestamp_ms)
                self._open[symbol] = trade
            trade.open(fill.size, fill.price, fill.fee)
            return
        closing = min(abs(before.size), fill.size)
        opening = fill.size - closing
        # A flip pays one fee for two trades: split it by quantity, the remainder keeps the sum exact.
        close_fee = fill.fee if opening == 0 else fill.fee * closing / fill.size
        trade = self._open[symbol]
        trade.close(closing, fill.price, close_fee, realized)
        if not after.is_flat and after.side is before.side:
            return
        self._closed.append(trade.finish(fill.timestamp_ms))
        del self._open[symbol]
        if opening > 0:
            fresh = _OpenTrade(symbol, fill.side, fill.timestamp_ms)
            fresh.open(opening, fill.price, fill.fee - close_fee)
            self._open[symbol] = fresh


class EquityCalculator:
    """Values a ledger at marks; a position without a mark is valued at its entry price."""

    def equity(self, ledger: Ledger, marks: Mapping[str, Decimal]) -> Decimal:
        return ledger.cash + self.unrealized(ledger, marks)

    def unrealized(self, ledger: Ledger, marks: Mapping[str, Decimal]) -> Decimal:
        # Terms on the grid, as LedgerValuation keeps them: the same Decimal (domain.money.GRID).
        total = ZERO
        for symbol, position in ledger.positions.items():
            total += on_grid(unrealized_term(symbol, position, marks))
        return total

    def exposure(self, ledger: Ledger, marks: Mapping[str, Decimal]) -> Decimal:
        """Sum of |size| * mark over open positions (each term on the money grid)."""
        total = ZERO
        for symbol, position in ledger.positions.items():
            total += on_grid(position.notional(marks.get(symbol, position.entry_price)))
        return total


def unrealized_term(symbol: str, position: Position, marks: Mapping[str, Decimal]) -> Decimal:
    """One position's share of EquityCalculator.unrealized (before it is put on the grid): its PnL
    at the mark, at its entry price without one. LedgerValuation adds the very same terms."""
    return position.unrealized_pnl(marks.get(symbol, position.entry_price))
