"""Bookkeeper: the one owner of booking, where every fill and funding payment is booked. The store
first (durable: it keeps the fill and moves the stored position in one transaction), then the
ledger (an in-memory view rebuilt from the store on every start). If the process dies between the
two, the restart rebuilds the ledger from the store, so the ledger never holds what the store does
not. A fill is folded into its position once: the store folds it and the ledger takes the result.

The account sync (REST and the user stream) and the reconciliation book through it. Both sinks
ignore what they have seen (fills by id, funding by symbol and time), so booking again is harmless.
"""

from __future__ import annotations

from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.ports.state_store import IStateStore


class Bookkeeper:
    def __init__(self, store: IStateStore, ledger: Ledger | None = None) -> None:
        # No ledger before the first start's reconciliation: the ledger is built from the store
        # afterwards, so then the store alone is booked.
        self._store = store
        self._ledger = ledger

    def book_fill(self, fill: Fill, external: bool = False) -> bool:
        """True when the fill is new to the books (the ledger's, or the store's without one).
        `external`: a booking the bot made for a change it did not trade (see IStateStore).

        The fill is folded into its position once, by the store (in the transaction that keeps
        it), and the ledger takes the store's result. A fill the store already had (None) goes
        to the ledger alone, which skips it (built from the store, it has it) or else folds it."""
        effect = self._store.record_fill(fill, external)
        if self._ledger is None:
            return effect is not None
        return self._ledger.apply_fill(fill, effect)

    def book_funding(self, payment: FundingPayment) -> bool:
        """True when the payment is new to the books (as book_fill)."""
        stored = self._store.record_funding(payment)
        if self._ledger is None:
            return stored
        return self._ledger.apply_funding(payment)
