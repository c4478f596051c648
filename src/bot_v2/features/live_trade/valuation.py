"""LedgerValuation: the ledger valued at the latest marks (equity, and every position's notional for
the exposure rules), kept up to date symbol by symbol.

Why: each decision of a cycle needs the equity, and each opening order the notional of every other
position. Summed over all positions each time, a busy cycle with a thousand symbols costs
O(positions²). Marks change once per cycle (then everything is revalued once); within a cycle only
the positions that fills move change. The terms are those EquityCalculator and the exposure rules'
own loops add (unrealized_term, position_notional), on the same grid (domain.money.on_grid), so the
kept sums are the very Decimals those loops give.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from bot_v2.domain.money import GridSum
from bot_v2.features.live_trade.accounting import Ledger, unrealized_term
from bot_v2.features.live_trade.risk.exposure import position_notional

# (symbol, start) -> start + the notional of every position but symbol's, or None when stale.
OthersNotional = Callable[[str, Decimal], Decimal | None]


class LedgerValuation:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._marks: Mapping[str, Decimal] = {}
        self._marks_version: int | None = None
        self._seen_moves = 0
        # symbol -> (its unrealized PnL term, its notional term), on the grid, as in the sums
        self._terms: dict[str, tuple[Decimal, Decimal]] = {}
        self._upnl = GridSum()
        self._notional = GridSum()
        # Changes whenever the sums do: a view handed out before then no longer answers.
        self._generation = 0

    def update(self, marks: Mapping[str, Decimal], marks_version: int) -> None:
        """Catch up with new marks (`marks_version` changed: revalue everything) or with the
        fills the ledger booked since the last update (revalue the symbols they moved)."""
        ledger = self._ledger
        if marks_version != self._marks_version:
            self._marks, self._marks_version = marks, marks_version
            upnl, notional = self._upnl, self._notional = GridSum(), GridSum()
            # The ledger holds open positions only.
            self._terms = {
                symbol: (
                    upnl.add(unrealized_term(symbol, position, marks)),
                    notional.add(position_notional(marks, symbol, position)),
                )
                for symbol, position in ledger.positions.items()
            }
        else:
            moved = ledger.moved_since(self._seen_moves)
            if not moved:
                return
            for symbol in dict.fromkeys(moved):
                self._revalue(symbol)
        self._seen_moves = ledger.move_count
        self._generation += 1

    def equity(self) -> Decimal:
        """EquityCalculator().equity(ledger, marks), as of the last update."""
        return self._ledger.cash + self._upnl.total

    def total_notional(self) -> Decimal:
        """Every open position's notional at its mark (entry price without one), as of the last
        update."""
        return self._notional.total

    def others_notional(self) -> OthersNotional:
        """For the risk context built now: `start` (on the grid) plus the notional of every open
        position other than `symbol`, each at its mark (its entry price without one), as the
        exposure rules' loop adds them; None once the valuation has moved on."""
        generation = self._generation

        def others(symbol: str, start: Decimal) -> Decimal | None:
            if generation != self._generation:
                return None
            own = self._terms.get(symbol)
            total = self._notional.total
            # Exact (see domain.money.GRID): the sum of the others, whatever their order.
            return start + (total - own[1] if own is not None else total)

        return others

    def _revalue(self, symbol: str) -> None:
        old = self._terms.pop(symbol, None)
        if old is not None:
            self._upnl.remove(old[0])
            self._notional.remove(old[1])
        position = self._ledger.positions.get(symbol)
        if position is None or position.size == 0:
            return
        marks = self._marks
        self._terms[symbol] = (
            self._upnl.add(unrealized_term(symbol, position, marks)),
            self._notional.add(position_notional(marks, symbol, position)),
        )
