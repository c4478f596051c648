"""Equity and available balance at one instant of the exchange, kept up to date position by position.

The exchange needs them on every order (the margin check) and every taker fill (the fee cap).
Account's own loops sum over every open position each time, which made a busy cycle with a thousand
symbols O(positions²). Within one instant the marks are fixed, so the sums change only where a
position, its isolated margin, its leverage or its margin mode does: the exchange reports each such
change (`moved`). The terms are Account's, on the same grid (domain.money.on_grid), so each answer
is the very Decimal Account's loops give.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.adapters.brokers.sim.account import Account, MarkOf, open_positions, unrealized
from bot_v2.adapters.brokers.sim.settings import MarginMode
from bot_v2.domain.money import GridSum


@attrs.frozen
class _Terms:
    """What one open position adds to each sum (None: not part of that sum)."""

    upnl: Decimal
    cross_used: Decimal | None
    isolated_margin: Decimal | None


class InstantValuation:
    def __init__(self, account: Account, mark_of: MarkOf, at_ms: int | None) -> None:
        self.at_ms = at_ms
        self._account = account
        self._mark_of = mark_of
        self._terms: dict[str, _Terms] = {}
        self._upnl = GridSum()  # every open position: Account.equity
        self._cross_upnl = GridSum()  # cross positions: Account.available
        self._cross_used = GridSum()
        self._isolated = GridSum()  # Account.isolated_margin_total
        for symbol, _ in open_positions(account.state):
            self._enter(symbol)

    def moved(self, symbol: str) -> None:
        """The position of `symbol` (size, entry, margin), its leverage or its mode changed."""
        self._leave(symbol)
        self._enter(symbol)

    def equity(self) -> Decimal:
        """Account.equity at this instant's marks."""
        return self._account.state.wallet + self._upnl.total

    def available(self) -> Decimal:
        """Account.available at this instant's marks."""
        account = self._account
        # The same operations in the same order as Account.available.
        return (
            account.state.wallet
            - self._isolated.total
            + self._cross_upnl.total
            - self._cross_used.total
            - account.reserved_by_orders()
        )

    def _enter(self, symbol: str) -> None:
        account = self._account
        position = account.state.positions.get(symbol)
        if position is None or position.size == 0:
            return
        mark = self._mark_of(symbol)
        upnl = self._upnl.add(unrealized(position, mark))
        if account.mode(symbol) is MarginMode.CROSS:
            self._cross_upnl.add(upnl)
            used = self._cross_used.add(account.initial_margin(symbol, position, mark))
            self._terms[symbol] = _Terms(upnl, used, None)
        else:
            self._terms[symbol] = _Terms(upnl, None, self._isolated.add(position.margin))

    def _leave(self, symbol: str) -> None:
        terms = self._terms.pop(symbol, None)
        if terms is None:
            return
        self._upnl.remove(terms.upnl)
        if terms.cross_used is not None:
            self._cross_upnl.remove(terms.upnl)
            self._cross_used.remove(terms.cross_used)
        if terms.isolated_margin is not None:
            self._isolated.remove(terms.isolated_margin)
