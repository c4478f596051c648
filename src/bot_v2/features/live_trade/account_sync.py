"""AccountSync pulls fills and funding from the broker into the ledger and the store. Both sinks
ignore what they have already seen, so asking again from the last timestamp is always safe; what the
ledger has booked is skipped before the store is asked (the ledger only holds what the store has).
A broker that can tell when it has nothing new (`account_version`) is not asked at all then.

Fills pushed by a private stream come in one at a time through `book_fill`, through the same sinks
in the same order, so a fill booked from the stream and fetched again by the next sync (or the other
way round) is booked once: the stream's fill id is the venue's trade id, as in the REST history."""

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

    @property
    def is_empty(self) -> bool:
        """Nothing was booked: the ledger is as it was before the sync."""
        return not (self.fills or self.funding)


NOTHING_NEW = SyncResult((), ())


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
        # The broker's account_version at the last completed sync (None: never, or it cannot tell).
        self._synced_version: int | None = None

    def restore(self, fills: Sequence[Fill], funding: Sequence[FundingPayment]) -> None:
        """Rebuild the ledger from stored history (a restart)."""
        for fill in fills:
            self._ledger.apply_fill(fill)
            self._fills_since = max(self._fills_since, fill.timestamp_ms)
        for payment in funding:
            self._ledger.apply_funding(payment)
            self._funding_since = max(self._funding_since, payment.timestamp_ms)

    def book_fill(self, fill: Fill, *, advance: bool = True) -> bool:
        """Book one fill that arrived on a stream: durable first (the store), then the ledger.
        False when it was booked before (by the stream or a sync).

        `advance` moves the REST watermark past the fill, so the next sync does not fetch it
        again. Only a caller that knows the stream missed nothing since the last completed sync
        may pass True: a fill missed while the stream was down could be older than this one, and
        a watermark past it would hide it from every later sync."""
        booked = False
        if not self._ledger.has_fill(fill.fill_id):
            self._store.record_fill(fill)
            booked = self._ledger.apply_fill(fill)
        # After booking: if the store raises, the watermark stays and the next sync retries.
        if advance:
            self._fills_since = max(self._fills_since, fill.timestamp_ms)
        return booked

    @property
    def fills_since_ms(self) -> int:
        """Where the next sync starts asking for fills (inclusive)."""
        return self._fills_since

    async def sync(self) -> SyncResult:
        # Read before fetching: news landing during the fetch then shows as a newer version.
        version = self._broker.account_version()
        if version is not None and version == self._synced_version:
            return NOTHING_NEW
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
            self._funding_since = max(self._funding_since, payment.timestamp_ms)
            if self._ledger.has_funding(payment.symbol, payment.timestamp_ms):
                continue  # asked again from the last timestamp on purpose; already booked
            self._store.record_funding(payment)
            if self._ledger.apply_funding(payment):
                new_funding.append(payment)
        self._synced_version = version
        return SyncResult(tuple(new_fills), tuple(new_funding))
