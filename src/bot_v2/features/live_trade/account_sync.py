"""AccountSync pulls fills and funding from the broker into the ledger and the store. Both sinks
ignore what they have already seen, so asking again from the last timestamp is always safe."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.ports.broker import IBroker
from bot_v2.ports.state_store import IStateStore


@attrs.frozen
class SyncResult:
    fills: tuple[Fill, ...]
    funding: tuple[FundingPayment, ...]


class AccountSync:
    def __init__(
        self,
        broker: IBroker,
        store: IStateStore,
        ledger: Ledger,
        symbols: Sequence[str],
        since_ms: int = 0,
    ) -> None:
        self._broker = broker
        self._store = store
        self._ledger = ledger
        self._symbols = tuple(symbols)
        self._fills_since = since_ms
        self._funding_since = since_ms

    def restore(self, fills: Sequence[Fill], funding: Sequence[FundingPayment]) -> None:
        """Rebuild the ledger from stored history (a restart)."""
        for fill in fills:
            self._ledger.apply_fill(fill)
            self._fills_since = max(self._fills_since, fill.timestamp_ms)
        for payment in funding:
            self._ledger.apply_funding(payment)
            self._funding_since = max(self._funding_since, payment.timestamp_ms)

    async def sync(self) -> SyncResult:
        new_fills = []
        for fill in await self._broker.fetch_fills(self._symbols, self._fills_since):
            self._fills_since = max(self._fills_since, fill.timestamp_ms)
            if self._ledger.has_fill(fill.fill_id):
                continue  # asked again from the last timestamp on purpose; already booked
            # Durable first: if the process dies here, the restart rebuilds the ledger from the store.
            self._store.record_fill(fill)
            if self._ledger.apply_fill(fill):
                new_fills.append(fill)
        new_funding = []
        for payment in await self._broker.fetch_funding(self._symbols, self._funding_since):
            self._store.record_funding(payment)
            if self._ledger.apply_funding(payment):
                new_funding.append(payment)
            self._funding_since = max(self._funding_since, payment.timestamp_ms)
        return SyncResult(tuple(new_fills), tuple(new_funding))
