"""The account's history over ccxt: fills and funding payments of one symbol, walked completely.

History starts no earlier than `history_start_ms` (the bot's first start, less a look-back: the bot
owns nothing older but open positions and orders, which reconciliation reads directly), and a range
once found empty is not walked again (`history.EmptySpans`): an idle account costs one request per
kind and symbol, not a walk over the venue's whole history, at start and each cycle.

Rows carry the venue's timestamps, so ranges are in the venue's time: our clock plus the offset
measured once with the venue's time endpoint before the first walk (a skew larger than the
settle margin would otherwise hide rows inside a span we think is empty)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from bot_v2.adapters.brokers.ccxt import convert, history
from bot_v2.adapters.brokers.ccxt.calls import VenueCalls
from bot_v2.adapters.venues.profile import VenueProfile
from bot_v2.domain.errors import StopRequested
from bot_v2.domain.fills import Fill, FundingPayment

# Walks read this far past our estimate of the venue's clock, so a venue clock that runs ahead of
# the estimate (drift since it was measured) hides no row.
LEAD_MS = 86_400_000


class AccountHistory:
    def __init__(
        self,
        exchange: Any,
        venue: VenueProfile,
        calls: VenueCalls,
        now_ms: Callable[[], int],
        client_ids: dict[str, str],
        contract_size: Callable[[str], Decimal],
        stopping: Callable[[], bool],
    ) -> None:
        self._exchange = exchange
        self._venue = venue
        self._calls = calls
        self._now_ms = now_ms
        # exchange order id -> our client order id, shared with the broker's order calls.
        self._client_ids = client_ids
        self._contract_size = contract_size
        self._stopping = stopping
        self._empty = history.EmptySpans()
        # In our clock; the walks shift it into the venue's.
        self.history_start_ms = 0
        self._venue_offset_ms: int | None = None

    async def fills(self, symbol: str, since_ms: int) -> list[Fill]:
        rows = await self._walk(
            f"fetch_fills {symbol}", self._exchange.fetch_my_trades, symbol, since_ms, memo="fills"
        )
        return [await self._fill(symbol, row) for row in rows]

    async def funding(
        self, symbol: str, market: Mapping[str, Any], step: Decimal, since_ms: int
    ) -> list[FundingPayment]:
        rows = await self._walk(
            f"fetch_funding {symbol}",
            self._exchange.fetch_funding_history,
            symbol,
            since_ms,
            self._venue.funding_window_params,
            self._funding_symbol_params(market),
            memo="funding",
        )
        if not rows:
            return []
        rates: list[history.RateRow] = []
        if history.needs_rate_history(self._venue, rows):
            # Walked like the payments: venues cap a page (OKX at 100 rates), and a payment
            # without its rate would be booked with rate and size 0.
            raw_rates = await self._walk(
                f"fetch_funding_rate_history {symbol}",
                self._exchange.fetch_funding_rate_history,
                symbol,
                rows[0]["timestamp"] - history.FUNDING_MATCH_MS,
                self._venue.rate_window_params,
            )
            rates = history.rate_rows(raw_rates)
        return [history.funding_payment(symbol, row, rates, step, self._venue) for row in rows]

    async def _walk(
        self,
        operation: str,
        fetch: Callable[..., Awaitable[Any]],
        symbol: str,
        since_ms: int,
        window_params: tuple[str, str] | None = None,
        extra_params: Mapping[str, str] | None = None,
        *,
        memo: str = "",
    ) -> list[dict[str, Any]]:
        where = f"{self._venue.exchange_id} {operation}"

        async def page(low: int, high: int, limit: int) -> Any:
            if self._stopping():
                raise StopRequested(f"{where}: stop requested; history read not finished")
            # ccxt turns `until` into the venue's bound; where it does not, name the bounds.
            bounds: dict[str, Any] = {"until": high}
            if window_params is not None:
                bounds = {window_params[0]: low, window_params[1]: high}
            return await self._calls.call(
                operation, fetch, symbol, low, limit, {**(extra_params or {}), **bounds}
            )

        key = f"{memo} {symbol}"
        offset = await self._offset()
        since = max(since_ms, self.history_start_ms + offset) if memo else since_ms
        start = self._empty.start(key, since) if memo else since
        now = self._now_ms() + offset
        rows = await history.walk(page, self._venue, start, now + LEAD_MS, where)
        if memo:
            self._empty.walked(key, since, start, rows, now)
        return rows

    async def _offset(self) -> int:
        """The venue's clock less ours, asked once (0 for a venue without a time endpoint)."""
        if self._venue_offset_ms is None:
            offset = 0
            if self._exchange.has.get("fetchTime"):
                before = self._now_ms()
                server = await self._calls.call("fetch_time", self._exchange.fetch_time)
                offset = int(server) - (before + self._now_ms()) // 2
            self._venue_offset_ms = offset
        return self._venue_offset_ms

    def _funding_symbol_params(self, market: Mapping[str, Any]) -> dict[str, str]:
        # The history walk ends a window at a page shorter than the venue's page limit, which is
        # only right when the venue itself filtered the page to our symbol: a ccxt call that asks
        # by currency (OKX bills) and drops other symbols client-side hands back short pages
        # mid-window. Naming the instrument makes the venue do the filtering.
        param = self._venue.funding_symbol_param
        return {param: str(market["id"])} if param else {}

    async def _fill(self, symbol: str, raw: Mapping[str, Any]) -> Fill:
        info = raw.get("info") or {}
        order_id = str(raw.get("order") or "")
        field = self._venue.trade_client_id_field
        client_id = (str(info.get(field) or "") if field else "") or self._client_ids.get(order_id)
        if client_id is None and order_id:
            # The venue's fills do not name the client id: ask the order once, then remember.
            raw_order = await self._calls.call(
                f"fetch_order {order_id}", self._exchange.fetch_order, order_id, symbol
            )
            # An order a venue placed when a conditional order fired may name only that one
            # (OKX: algoClOrdId): its fill is the protective order's.
            info_order = (raw_order or {}).get("info") or {}
            client_id = str(
                (raw_order or {}).get("clientOrderId") or info_order.get("algoClOrdId") or ""
            )
            self._client_ids[order_id] = client_id
        client_id = client_id or ""
        liquidation = str(info.get("execType") or "") in self._venue.liquidation_exec_types or (
            bool(self._venue.liquidation_client_prefixes)
            and client_id.startswith(self._venue.liquidation_client_prefixes)
        )
        return convert.fill(raw, client_id, liquidation, self._contract_size(symbol))
