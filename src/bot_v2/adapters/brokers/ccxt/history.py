"""Reading a venue's history (fills, funding payments) completely, and assembling funding payments.

Venues cap both the time span of one request and the rows of one page, and list a full page either
oldest-first or newest-first; `walk` hides all three. Pure apart from the `fetch_page` it is given."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from bot_v2.adapters.brokers.ccxt import convert
from bot_v2.adapters.venues.profile import VenueProfile
from bot_v2.domain.errors import BrokerError
from bot_v2.domain.fills import FundingPayment
from bot_v2.domain.money import ZERO

# Upper bound on requests per walk, so a bad cursor can never loop forever.
MAX_PAGES = 400
# A funding payment and its rate entry may be stamped a little apart.
FUNDING_MATCH_MS = 60_000

Row = dict[str, Any]
# fetch_page(low_ms, high_ms, limit) -> rows with low_ms <= timestamp <= high_ms
FetchPage = Callable[[int, int, int], Awaitable[list[Row] | None]]
RateRow = tuple[int, Decimal, Decimal | None]


def _stamp(row: Mapping[str, Any]) -> int:
    return int(row.get("timestamp") or 0)


async def walk(
    fetch_page: FetchPage, venue: VenueProfile, since_ms: int, now_ms: int, where: str
) -> list[Row]:
    """Every row from since_ms to now_ms, oldest first: window by window, and page by page inside
    a window (toward newer rows on "asc" venues, older ones on "desc" venues)."""
    start = max(since_ms, now_ms - venue.history_max_age_ms)
    rows: dict[str, Row] = {}
    pages = 0
    while True:
        end = min(start + venue.history_window_ms - 1, now_ms)
        low, high = start, end
        while low <= high:
            pages += 1
            if pages > MAX_PAGES:
                raise BrokerError(
                    f"{where}: more than {MAX_PAGES} pages of history since the requested time; "
                    "ask for a later start"
                )
            batch = [r for r in await fetch_page(low, high, venue.history_page_limit) or []]
            batch = [r for r in batch if low <= _stamp(r) <= high]
            for row in batch:
                rows[str(row.get("id") or (_stamp(row), row.get("amount")))] = row
            # A short page ends the window. That holds only if the page counts every row the
            # venue sent: ccxt filtering another symbol's rows out client-side would make a page
            # look short mid-window, so the broker has the venue filter by symbol (profiles'
            # funding_symbol_param). ccxt does not expose the raw row count, and walking on until a
            # page adds nothing is no safer: a raw page of only other symbols' rows adds nothing.
            if len(batch) < venue.history_page_limit:
                break
            stamps = [_stamp(r) for r in batch]
            if min(stamps) == max(stamps):
                # Paging is by time: a full page inside one millisecond cannot be paged past
                # without skipping rows, and a silent gap in fills is worse than an error.
                raise BrokerError(
                    f"{where}: more than {venue.history_page_limit} rows within one millisecond "
                    f"({stamps[0]}); cannot page by time"
                )
            # Re-ask from the edge row's millisecond: rows there may continue on the next page
            # (repeats fold by id).
            if venue.history_order == "asc":
                low = max(stamps)
            else:
                high = min(stamps)
        if end >= now_ms:
            break
        start = end + 1
    return sorted((r for r in rows.values() if _stamp(r) >= since_ms), key=_stamp)


class EmptySpans:
    """Per walk key (kind and symbol), the span of time a walk found empty, so the next walk starts
    past it instead of asking the venue about the same empty range again. Only a span that ended
    `SETTLE_MS` before the walk counts: venues list a row a little after its timestamp."""

    SETTLE_MS = 60_000

    def __init__(self) -> None:
        self._spans: dict[str, tuple[int, int]] = {}

    def start(self, key: str, since_ms: int) -> int:
        """Where a walk asked from since_ms must begin: past a known-empty span that covers it."""
        span = self._spans.get(key)
        if span is not None and span[0] <= since_ms <= span[1]:
            return span[1] + 1
        return since_ms

    def walked(
        self, key: str, since_ms: int, start_ms: int, rows: Sequence[Row], now_ms: int
    ) -> None:
        """Notes a walk over start_ms..now_ms (asked from since_ms) that returned `rows`."""
        end = now_ms - self.SETTLE_MS
        if rows:
            end = min(end, min(_stamp(r) for r in rows) - 1)
        if end < start_ms:
            return
        span = self._spans.get(key)
        low = span[0] if span is not None and start_ms > since_ms else since_ms
        self._spans[key] = (low, end)


def needs_rate_history(venue: VenueProfile, payments: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the payments lack the rate (Binance income rows do; Bybit executions do not)."""
    field = venue.funding_rate_field
    return not (field and all((p.get("info") or {}).get(field) for p in payments))


def rate_rows(raw: Sequence[Mapping[str, Any]] | None) -> list[RateRow]:
    """ccxt funding-rate history -> (time, rate, mark price if the venue gave one)."""
    return [
        (
            _stamp(row),
            convert.dec0(row.get("fundingRate")),
            convert.dec((row.get("info") or {}).get("markPrice")),
        )
        for row in raw or []
    ]


def funding_payment(
    symbol: str,
    raw: Mapping[str, Any],
    rates: Sequence[RateRow],
    step: Decimal,
    venue: VenueProfile,
) -> FundingPayment:
    info = raw.get("info") or {}
    stamp = _stamp(raw)
    amount = convert.dec0(raw.get("amount")) * venue.funding_amount_sign
    rate = convert.dec(info.get(venue.funding_rate_field)) if venue.funding_rate_field else None
    mark = convert.dec(info.get(venue.funding_mark_field)) if venue.funding_mark_field else None
    near = [r for r in rates if abs(r[0] - stamp) <= FUNDING_MATCH_MS]
    if near:
        closest = min(near, key=lambda r: abs(r[0] - stamp))
        rate = closest[1] if rate is None else rate
        mark = closest[2] if mark is None else mark
    rate = ZERO if rate is None else rate
    mark = ZERO if mark is None else mark
    # amount = -size * mark * rate, so the size that paid it follows; venues rarely report it.
    size = nearest_step(-amount / (mark * rate), step) if rate and mark else ZERO
    return FundingPayment(
        symbol=symbol,
        timestamp_ms=stamp,
        rate=rate,
        position_size=size,
        mark_price=mark,
        amount=amount,
    )


def nearest_step(value: Decimal, step: Decimal) -> Decimal:
    # A derived size carries the venue's rounding of `amount`; the nearest step is the true one.
    return (value / step).to_integral_value(rounding=ROUND_HALF_EVEN) * step
