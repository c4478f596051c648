"""Equity and available balance at one instant of the exchange, kept up to date position by position.

The exchange needs them on every order (the margin check) and every taker fill (the fee cap).
Account's own loops sum over every open position each time, which made a busy cycle with a thousand
symbols O(positions²). Within one instant the marks are fixed, so the sums change only where a
position, its isolated margin, its leverage or its margin mode does: the exchange reports each such
change (`moved`). The sums are ExactSums, so each answer is the very Decimal that Account's loops
give; when one cannot be sure of that (a term with 28 digits, say), Account's loops answer.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.adapters.brokers.sim.account import Account, MarkOf, open_positions, unrealized
from bot_v2.adapters.brokers.sim.settings import MarginMode
from bot_v2.domain.exact_sum import ExactSum


@attrs.frozen
class _Terms:
    """What one open position adds to each sum (None: not part of that sum)."""

    upnl: Decimal
    cross_used: Decimal | None
    isolated_margin: Decimal | None


# Below this many positions Account's loops are cheaper than keeping the sums.
WALK_BELOW = 16
# Stands for the sums until they are kept: never added to.
_NO_SUM = ExactSum()


class InstantValuation:
    def __init__(self, account: Account, mark_of: MarkOf, at_ms: int | None) -> None:
        self.at_ms = at_ms
        self._account = account
        self._mark_of = mark_of
        self._terms: dict[str, _Terms] = {}
        self._kept = False  # whether the sums are kept (set up at the first question)
        self._upnl = self._cross_upnl = self._cross_used = self._isolated = _NO_SUM

    def moved(self, symbol: str) -> None:
        """The position of `symbol` (size, entry, margin), its leverage or its mode changed."""
        if self._kept:
            self._leave(symbol)
            self._enter(symbol)

    def _keep(self) -> bool:
        """Whether to answer from the kept sums (building them the first time)."""
        if not self._kept:
            if len(self._account.state.positions) < WALK_BELOW:
                return False
            self._upnl = ExactSum()  # every open position: Account.equity
            self._cross_upnl = ExactSum()  # cross positions: Account.available
            self._cross_used = ExactSum()
            self._isolated = ExactSum()  # Account.isolated_margin_total
            for symbol, _ in open_positions(self._account.state):
                self._enter(symbol)
            self._kept = True
        return True

    def equity(self) -> Decimal:
        """Account.equity at this instant's marks."""
        if not self._keep():
            return self._account.equity(self._mark_of)
        upnl = self._upnl.total()
        if upnl is None:
            return self._account.equity(self._mark_of)
        return self._account.state.wallet + upnl

    def available(self) -> Decimal:
        """Account.available at this instant's marks."""
        account = self._account
        if not self._keep():
            return account.available(self._mark_of)
        isolated = self._isolated.total()
        upnl = self._cross_upnl.total()
        used = self._cross_used.total()
        if isolated is None or upnl is None or used is None:
            return account.available(self._mark_of)
        # The same operations in the same order as Account.available.
        return account.state.wallet - isolated + upnl - used - account.reserved_by_orders()

    def _enter(self, symbol: str) -> None:
        account = self._account
        position = account.state.positions.get(symbol)
        if position is None or position.size == 0:
            return
        mark = self._mark_of(symbol)
        upnl = unrealized(position, mark)
        if account.mode(symbol) is MarginMode.CROSS:
            terms = _Terms(upnl, account.initial_margin(symbol, position, mark), None)
            self._cross_upnl.add(upnl)
        else:
            terms = _Terms(upnl, None, position.margin)
        self._upnl.add(terms.upnl)
        if terms.cross_used is not None:
            self._cross_used.add(terms.cross_used)
        if terms.isolated_margin is not None:
            self._isolated.add(terms.isolated_margin)
        self._terms[symbol] = terms

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
