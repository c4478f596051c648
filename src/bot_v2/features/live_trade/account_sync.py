"""AccountSync pulls fills and funding from the broker into the ledger and the store. Both sinks
ignore what they have already seen, so asking again from the last timestamp is always safe; what the
ledger has booked is skipped before the store is asked (the ledger only holds what the store has).
A broker that can tell when it has nothing new (`account_version`) is not asked at all then.

Fills pushed by a private stream come in one at a time through `book_fill`. Both ways book through
the one Bookkeeper (store first, then ledger), so a fill booked from the stream and fetched again by
the next sync (or the other way round) is booked once: the stream's fill id is the venue's trade id, as in the REST history.

A venue that hands over what it made (ports.account_news: the sim broker) is not asked at all: each
sync books what it handed over since the last one, through the same Bookkeeper, with the same
skipping of what the books already have."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TypeVar

import attrs

from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.booking import Bookkeeper
from bot_v2.ports.account_news import IAccountNews
from bot_v2.ports.broker import IBroker
from bot_v2.ports.state_store import IStateStore


@attrs.frozen
class SyncResult:
    fills: tuple[Fill, ...]
    funding: tuple[FundingPayment, ...]


NOTHING_NEW = SyncResult((), ())
_News = TypeVar("_News", Fill, FundingPayment)
# Store meta, set while a streamed fill is booked beyond a gap no REST sync has closed yet: where
# the fill history was last known complete. A restart asks the venue for fills from there (restore
# and the reconciliation read it), so a fill missed in the gap is found even after a crash.
FILLS_GAP_META = "fills_gap_since_ms"


class AccountSync:
    def __init__(
        self,
        broker: IBroker,
        store: IStateStore,
        ledger: Ledger,
        symbols: Sequence[str],
        since_ms: int = 0,
        news: IAccountNews | None = None,
    ) -> None:
        self._broker = broker
        self._news = news
        # Handed over by `news` and not booked yet (a booking raised): the next sync books them first.
        self._news_fills: deque[Fill] = deque()
        self._news_funding: deque[FundingPayment] = deque()
        self._store = store
        self._ledger = ledger
        self._books = Bookkeeper(store, ledger)
        self._symbols = tuple(symbols)
        self._markets = frozenset(symbols)
        self._fills_since = since_ms
        self._funding_since = since_ms
        # The broker's account_version at the last completed sync (None: never, or it cannot tell).
        self._synced_version: int | None = None
        # A gap is open (FILLS_GAP_META set) until a sync that started after its last booking ends.
        self._gap_open = False
        self._gap_bookings = 0

    def restore(self, fills: Sequence[Fill], funding: Sequence[FundingPayment]) -> None:
        """Rebuild the ledger from stored history (a restart)."""
        for fill in fills:
            self._ledger.apply_fill(fill)
            self._fills_since = max(self._fills_since, fill.timestamp_ms)
        for payment in funding:
            self._ledger.apply_funding(payment)
            self._funding_since = max(self._funding_since, payment.timestamp_ms)
        gap = self._store.get_meta(FILLS_GAP_META)
        if gap:
            self._fills_since = min(self._fills_since, int(gap))
            self._gap_open = True

    def book_fill(self, fill: Fill, *, advance: bool = True) -> bool:
        """Book one fill that arrived on a stream: durable first (the store), then the ledger.
        False when it was booked before (by the stream or a sync).

        `advance` moves the REST watermark past the fill, so the next sync does not fetch it
        again. Only a caller that knows the stream missed nothing since the last completed sync
        may pass True: a fill missed while the stream was down could be older than this one, and
        a watermark past it would hide it from every later sync; the gap is noted in the store
        first, so a restart asks from before it too.

        Fills of other markets (the account may trade more than the bot) are not the bot's: the
        REST sync never asks for them, so they are ignored here too."""
        if fill.symbol not in self._symbols:
            return False
        booked = False
        if not self._ledger.has_fill(fill.fill_id):
            if not advance:
                self._note_gap()
            booked = self._books.book_fill(fill)
        # After booking: if the store raises, the watermark stays and the next sync retries.
        if advance:
            self._fills_since = max(self._fills_since, fill.timestamp_ms)
        return booked

    def _note_gap(self) -> None:
        self._gap_bookings += 1
        if not self._gap_open:
            self._store.set_meta(FILLS_GAP_META, str(self._fills_since))
            self._gap_open = True

    @property
    def positions(self) -> Mapping[str, Position]:
        """Open positions as the books have them after the last sync (the ledger's live view)."""
        return self._ledger.positions

    @property
    def fills_since_ms(self) -> int:
        """Where the next sync starts asking for fills (inclusive)."""
        return self._fills_since

    async def sync(self) -> SyncResult:
        if self._news is not None:
            return self._book_news(self._news)
        # Read before fetching: news landing during the fetch then shows as a newer version.
        version = self._broker.account_version()
        if version is not None and version == self._synced_version:
            return NOTHING_NEW
        gap_bookings = self._gap_bookings
        fills = deque(await self._broker.fetch_fills(self._symbols, self._fills_since))
        new_fills = self._book_fills(fills)
        funding = deque(await self._broker.fetch_funding(self._symbols, self._funding_since))
        new_funding = self._book_funding(funding)
        self._synced_version = version
        if self._gap_open and self._gap_bookings == gap_bookings:
            # This sync asked from before the gap and nothing was booked past it meanwhile.
            self._store.set_meta(FILLS_GAP_META, "")
            self._gap_open = False
        return SyncResult(new_fills, new_funding)

    def _book_news(self, news: IAccountNews) -> SyncResult:
        fills, funding = news.take_account_news()
        self._news_fills.extend(_of(fills, self._markets))
        self._news_funding.extend(_of(funding, self._markets))
        return SyncResult(
            self._book_fills(self._news_fills), self._book_funding(self._news_funding)
        )

    def _book_fills(self, fills: deque[Fill]) -> tuple[Fill, ...]:
        """Book `fills` in order, each taken off the queue once booked (or known): what is left
        when a booking raises is what a caller that keeps the queue books next time."""
        new_fills = []
        while fills:
            fill = fills[0]
            self._fills_since = max(self._fills_since, fill.timestamp_ms)
            # A REST sync asks again from the last timestamp on purpose: what is booked is skipped.
            if not self._ledger.has_fill(fill.fill_id) and self._books.book_fill(fill):
                new_fills.append(fill)
            fills.popleft()
        return tuple(new_fills)

    def _book_funding(self, funding: deque[FundingPayment]) -> tuple[FundingPayment, ...]:
        """As _book_fills, for funding payments."""
        new_funding = []
        while funding:
            payment = funding[0]
            self._funding_since = max(self._funding_since, payment.timestamp_ms)
            if not self._ledger.has_funding(
                payment.symbol, payment.timestamp_ms
            ) and self._books.book_funding(payment):
                new_funding.append(payment)
            funding.popleft()
        return tuple(new_funding)


def _of(news: Iterable[_News], markets: frozenset[str]) -> Iterator[_News]:
    """The bot's markets only: the account may trade more (as in book_fill)."""
    return (item for item in news if item.symbol in markets)
