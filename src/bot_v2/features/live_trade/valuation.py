"""LedgerValuation: the ledger valued at the latest marks (equity, and every position's notional for
the exposure rules), kept up to date symbol by symbol.

Why: each decision of a cycle needs the equity, and each opening order the notional of every other
position. Summed over all positions each time, a busy cycle with a thousand symbols costs
O(positions²). Marks change once per cycle (then everything is revalued once); within a cycle only
the positions that fills move change. The terms are those EquityCalculator and the exposure rules'
own loops add (unrealized_term, position_notional), and the sums are ExactSums, so every answer is
the very Decimal those loops give; when that cannot be guaranteed (a 28-digit averaged entry price,
say), the loops answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from bot_v2.domain.exact_sum import ExactSum
from bot_v2.domain.money import ZERO
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.accounting import EquityCalculator, Ledger, unrealized_term
from bot_v2.features.live_trade.risk.exposure import position_notional

# Below this many positions walking them is cheaper than keeping the sums.
WALK_BELOW = 16
# (symbol, start) -> start + the notional of every position but symbol's, or None when unknown.
OthersNotional = Callable[[str, Decimal], Decimal | None]


class LedgerValuation:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._marks: Mapping[str, Decimal] = {}
        self._marks_version: int | None = None
        self._seen_moves = 0
        # symbol -> (its position, its unrealized PnL term, its notional term once computed)
        self._terms: dict[str, tuple[Position, Decimal, Decimal | None]] = {}
        # Right after a revaluation the unrealized PnL is summed the plain way, which is exactly
        # EquityCalculator's sum; the ExactSums are built only once something needs them (a
        # position moved, or the exposure rules ask), since most cycles need neither.
        self._plain_upnl: Decimal | None = None
        self._sums: tuple[ExactSum, ExactSum] | None = None  # (upnl, notional)
        # Changes whenever the sums do: a view handed out before then no longer answers.
        self._generation = 0

    def update(self, marks: Mapping[str, Decimal], marks_version: int) -> None:
        """Catch up with new marks (`marks_version` changed: revalue everything) or with the
        fills the ledger booked since the last update (revalue the symbols they moved)."""
        ledger = self._ledger
        if marks_version != self._marks_version:
            self._marks, self._marks_version = marks, marks_version
            self._terms = {}
            self._sums = None
            upnl = ZERO
            terms = self._terms
            for symbol, position in ledger.positions.items():
                term = unrealized_term(symbol, position, marks)
                terms[symbol] = (position, term, None)
                upnl += term
            self._plain_upnl = upnl
        else:
            moved = ledger.moved_since(self._seen_moves)
            if not moved:
                return
            if self._sums is None and len(ledger.positions) < WALK_BELOW:
                # Few positions: valuing them all again is cheaper than keeping the sums.
                self._marks_version = None
                self.update(marks, marks_version)
                return
            sums = self._exact_sums()
            self._plain_upnl = None
            for symbol in dict.fromkeys(moved):
                self._leave(symbol, sums)
                self._enter(symbol, sums)
        self._seen_moves = ledger.move_count
        self._generation += 1

    def equity(self) -> Decimal:
        """EquityCalculator().equity(ledger, marks), as of the last update."""
        upnl = self._plain_upnl
        if upnl is None:
            upnl = self._exact_sums()[0].total()
            if upnl is None:
                return EquityCalculator().equity(self._ledger, self._marks)
        return self._ledger.cash + upnl

    def others_notional(self) -> OthersNotional:
        """For the risk context built now: `start` plus the notional of every open position other
        than `symbol`, each at its mark (its entry price without one), added one by one as the
        exposure rules do; None once the valuation has moved on, or when it cannot be exact."""
        generation = self._generation

        def others(symbol: str, start: Decimal) -> Decimal | None:
            if generation != self._generation or len(self._terms) < WALK_BELOW:
                return None  # gone stale, or so few positions that walking them is cheaper
            notional = self._exact_sums()[1]
            own = self._terms.get(symbol)
            if own is None or own[2] is None:
                return notional.total(start)
            # Out for the question, back in after: O(1) either way.
            notional.remove(own[2])
            try:
                return notional.total(start)
            finally:
                notional.add(own[2])

        return others

    def _exact_sums(self) -> tuple[ExactSum, ExactSum]:
        sums = self._sums
        if sums is None:
            sums = self._sums = (ExactSum(), ExactSum())
            terms, marks = self._terms, self._marks
            for symbol, (position, upnl, _) in terms.items():
                notional = position_notional(marks, symbol, position)
                terms[symbol] = (position, upnl, notional)
                sums[0].add(upnl)
                sums[1].add(notional)
        return sums

    def _enter(self, symbol: str, sums: tuple[ExactSum, ExactSum]) -> None:
        position = self._ledger.positions.get(symbol)
        if position is None or position.size == 0:
            return
        marks = self._marks
        upnl, notional = (
            unrealized_term(symbol, position, marks),
            position_notional(marks, symbol, position),
        )
        self._terms[symbol] = (position, upnl, notional)
        sums[0].add(upnl)
        sums[1].add(notional)

    def _leave(self, symbol: str, sums: tuple[ExactSum, ExactSum]) -> None:
        terms = self._terms.pop(symbol, None)
        if terms is not None:
            # Terms are in the sums once the sums exist (see _exact_sums).
            sums[0].remove(terms[1])
            notional = terms[2]
            assert notional is not None
            sums[1].remove(notional)
