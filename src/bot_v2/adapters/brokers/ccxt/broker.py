"""CcxtBroker: IBroker and IMarketData over ccxt.async_support, for USDT-margined linear swaps.

Sizes are in the venue's contracts (ccxt's `amount`); `MarketSpec.contract_size` converts them to the
base asset (1 on Binance and Bybit linear swaps). Every ccxt call goes through `calls.VenueCalls`
(domain errors with cleaned texts, bans and rate limits, the one retry loop). An order that may have
reached the venue is never sent again: after a lost answer the broker looks it up once by client
id and, not finding it, raises OrderOutcomeUnknown; only a refusal that proves the venue did not
take the order (a rate limit) is retried."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from bot_v2.adapters.brokers.ccxt import convert, orders
from bot_v2.adapters.brokers.ccxt.errors import is_duplicate_client_id, is_no_change
from bot_v2.adapters.brokers.ccxt.protective import CcxtProtectiveOrders
from bot_v2.domain.account import Balance, PositionReport
from bot_v2.domain.errors import (
    BrokerError,
    ExchangeUnavailable,
    InvalidOrder,
    OrderNotFound,
    OrderOutcomeUnknown,
)
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.money import ZERO
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus

log = logging.getLogger(__name__)


class CcxtBroker(CcxtProtectiveOrders):
    """IBroker, IProtectiveOrders and IMarketData over one venue account. Construct,
    `await start()`, use, `await close()`."""

    # ---- account -------------------------------------------------------------------------------

    async def fetch_balance(self) -> Balance:
        raw = await self._call("fetch_balance", self._exchange.fetch_balance)
        balance = convert.balance(raw, self._quote)
        if self._venue.wallet_balance is not None:
            wallet = convert.dec(self._venue.wallet_balance(raw.get("info"), self._quote))
            if wallet is not None:
                balance = attrs.evolve(balance, total=wallet)
        return balance

    async def fetch_positions(self, symbols: Sequence[str]) -> list[PositionReport]:
        await self._ensure_markets()
        wanted = [self._market(s)[0] for s in symbols]
        if not wanted:
            return []
        # Some venues (Bybit) take one symbol or all of them: ask for all and keep ours.
        ask = wanted if len(wanted) == 1 else None
        raw = await self._call("fetch_positions", self._exchange.fetch_positions, ask)
        reports = [
            convert.position_report(p, self._contract_size(str(p.get("symbol")))) for p in raw or []
        ]
        return [r for r in reports if r is not None and r.symbol in wanted]

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        await self._ensure_markets()
        unified, _ = self._market(symbol)
        value: int | float = int(leverage) if leverage == int(leverage) else float(leverage)
        params = self._margin_params(unified)
        await self._call(
            f"set_leverage {unified}",
            self._exchange.set_leverage,
            value,
            unified,
            params,
            tolerate=lambda exc: is_no_change(exc, self._venue),
        )
        self._leverage[unified] = value

    async def set_margin_mode(self, symbol: str, mode: str) -> None:
        """`mode` is "cross" or "isolated". Asking for the mode already set is not an error."""
        if mode not in ("cross", "isolated"):
            raise InvalidOrder(
                f"{self.exchange_id} set_margin_mode: mode must be cross or isolated"
            )
        await self._ensure_markets()
        unified, _ = self._market(symbol)
        params: dict[str, Any] = {}
        if self._venue.margin_mode_per_order:
            # OKX changes the mode by restating the leverage under it: keep the leverage.
            params["lever"] = self._leverage.get(unified) or await self._current_leverage(unified)
        await self._call(
            f"set_margin_mode {unified}",
            self._exchange.set_margin_mode,
            mode,
            unified,
            params,
            tolerate=lambda exc: is_no_change(exc, self._venue),
        )
        self._margin_modes[unified] = mode

    async def _current_leverage(self, symbol: str) -> int | float:
        raw = await self._call(
            f"fetch_leverage {symbol}",
            self._exchange.fetch_leverage,
            symbol,
            self._margin_params(symbol),
        )
        value = convert.dec((raw or {}).get("longLeverage")) or Decimal(1)
        return int(value) if value == int(value) else float(value)

    # ---- orders --------------------------------------------------------------------------------

    async def submit_order(self, request: OrderRequest) -> Order:
        if request.type.is_conditional:
            # Venues hold these apart (own endpoints and ids): they go through place_protective.
            raise InvalidOrder(
                f"{self.exchange_id} submit_order {request.client_order_id}: "
                f"{request.type.value} is a protective order: use place_protective"
            )
        await self._ensure_markets()
        symbol, market = self._market(request.symbol)
        orders.validate(self._venue, request, self._specs.get(symbol) or self._spec(symbol, market))
        operation = f"submit_order {request.client_order_id}"
        args = (
            symbol,
            request.type.value,
            request.side.value,
            # ccxt's amount is in contracts.
            float(request.size / self._contract_size(symbol)),
            None if request.price is None else float(request.price),
            orders.order_params(self._venue, request, self._margin_params(symbol)),
        )

        async def attempt() -> Order:
            raw = await self._calls.attempt(operation, self._exchange.create_order, *args)
            return await self._complete(symbol, raw, request)

        async def unknown(exc: ExchangeUnavailable) -> Order:
            return await self._outcome_of(symbol, request.client_order_id, exc)

        async def after_retry(exc: BrokerError) -> Order | None:
            # Retries follow only refusals (rate limits), so a taken client id is unexpected; if
            # the venue holds it anyway, the order it names is ours.
            if not (isinstance(exc, InvalidOrder) and is_duplicate_client_id(exc, self._venue)):
                return None
            return await self.fetch_order(symbol, request.client_order_id)

        return await self._calls.run(operation, attempt, ambiguous=unknown, after_retry=after_retry)

    async def _outcome_of(
        self, symbol: str, client_order_id: str, exc: ExchangeUnavailable
    ) -> Order:
        """After an attempt whose answer was lost: one lookup by client id, never a second send
        (a venue's read side may lag, and Binance takes a reused client id once the first order
        filled). Not found: OrderOutcomeUnknown, and later cycles' lookups resolve it."""
        try:
            landed = await self._lookup(symbol, client_order_id)
        except BrokerError as lookup_exc:
            log.warning("%s: lookup after a lost answer failed: %s", client_order_id, lookup_exc)
            landed = None
        if landed is not None:
            log.warning("%s: the lost attempt landed (%s)", client_order_id, landed.status.value)
            return landed
        raise OrderOutcomeUnknown(
            f"{exc}; the venue may have the order: not sent again, not found by client id yet"
        )

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        await self._ensure_markets()
        unified, _ = self._market(symbol)
        operation = f"cancel_order {client_order_id}"
        params = {self._venue.lookup_id_param: client_order_id}

        async def attempt() -> Any:
            if self._venue.cancel_by_client_id == "cancel_orders":
                # ccxt's cancel_orders cancels by client ids (Kraken's batchorder cliOrdId).
                rows = await self._calls.attempt(
                    operation,
                    self._exchange.cancel_orders,
                    [],
                    unified,
                    {"clientOrderIds": [client_order_id]},
                )
                return (rows or [{}])[0]
            return await self._calls.attempt(
                operation, self._exchange.cancel_order, None, unified, params
            )

        async def after_retry(exc: BrokerError) -> Order | None:
            if not isinstance(exc, OrderNotFound):
                return None
            # The earlier attempt may have cancelled it: report the order as it now stands.
            current = await self.fetch_order(unified, client_order_id)
            return None if current is None or current.status.is_open else current

        raw = await self._calls.run(operation, attempt, after_retry=after_retry)
        if isinstance(raw, Order):
            return raw
        if convert.is_complete_order(raw):
            return self._remember(self._order(unified, raw, client_order_id))
        current = await self.fetch_order(unified, client_order_id)
        if current is None:
            raise OrderNotFound(f"{self.exchange_id} {operation}: gone after cancel")
        return current

    async def fetch_order(self, symbol: str, client_order_id: str) -> Order | None:
        await self._ensure_markets()
        unified, _ = self._market(symbol)
        return await self._calls.run(
            f"fetch_order {client_order_id}", lambda: self._lookup(unified, client_order_id)
        )

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[Order]:
        await self._ensure_markets()
        orders: list[Order] = []
        for symbol in symbols:
            unified, _ = self._market(symbol)
            raw = await self._call(
                f"fetch_open_orders {unified}",
                self._exchange.fetch_open_orders,
                unified,
                None,
                None,
                # Conditional orders are IProtectiveOrders' business, even where the venue lists
                # them with plain ones (Bybit).
                dict(self._style.plain_list_params),
            )
            conditional = self._style.is_conditional
            orders.extend(
                self._remember(self._order(unified, o))
                for o in raw or []
                if conditional is None or not conditional(o.get("info") or {})
            )
        return orders

    def set_history_start(self, start_ms: int) -> None:
        """Fills and funding before start_ms are never asked for: the bot's first start, less a
        look-back (stored by the caller so it outlives the process)."""
        self._history.history_start_ms = start_ms

    async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        await self._ensure_markets()
        fills: list[Fill] = []
        for symbol in symbols:
            unified, _ = self._market(symbol)
            fills.extend(await self._history.fills(unified, since_ms))
        return sorted(fills, key=lambda f: (f.timestamp_ms, f.fill_id))

    async def fetch_funding(self, symbols: Sequence[str], since_ms: int) -> list[FundingPayment]:
        await self._ensure_markets()
        payments: list[FundingPayment] = []
        for symbol in symbols:
            unified, market = self._market(symbol)
            step = (self._specs.get(unified) or self._spec(unified, market)).step_size
            payments.extend(await self._history.funding(unified, market, step, since_ms))
        return sorted(payments, key=lambda p: (p.timestamp_ms, p.symbol))

    def account_version(self) -> int | None:
        """No cheap signal of account news over REST: callers poll fills and funding."""
        return None

    # ---- user data stream (listen key) ---------------------------------------------------------

    @property
    def has_user_stream(self) -> bool:
        return self._listen_keys.available

    async def obtain_listen_key(self) -> str:
        return await self._listen_keys.obtain()

    async def keepalive_listen_key(self, key: str) -> None:
        await self._listen_keys.keepalive(key)

    # ---- internals: orders ---------------------------------------------------------------------

    async def _lookup(self, symbol: str, client_order_id: str) -> Order | None:
        """One look for the order by client id (no retries: callers decide)."""
        operation = f"fetch_order {client_order_id}"
        params = {self._venue.lookup_id_param: client_order_id}
        if self._venue.fetch_by_client_id == "fetch_order":
            try:
                raw = await self._calls.attempt(
                    operation, self._exchange.fetch_order, None, symbol, params
                )
            except OrderNotFound:
                return None
            return self._remember(self._order(symbol, raw, client_order_id)) if raw else None
        if self._venue.fetch_by_client_id == "fetch_orders":
            rows = await self._calls.attempt(
                operation, self._exchange.fetch_orders, symbol, None, None, params
            )
            for raw in rows or []:
                if raw.get("clientOrderId") == client_order_id:
                    return self._remember(self._order(symbol, raw, client_order_id))
            return None
        for fetch in (self._exchange.fetch_open_orders, self._exchange.fetch_closed_orders):
            rows = await self._calls.attempt(operation, fetch, symbol, None, None, params)
            for raw in rows or []:
                if raw.get("clientOrderId") == client_order_id:
                    return self._remember(self._order(symbol, raw, client_order_id))
        return None

    async def _complete(self, symbol: str, raw: Mapping[str, Any], request: OrderRequest) -> Order:
        if convert.is_complete_order(raw):
            return self._remember(self._order(symbol, raw, request.client_order_id))
        # The venue acknowledged with ids only: ask for the order itself.
        found = await self.fetch_order(symbol, request.client_order_id)
        if found is not None:
            return found
        return self._remember(
            Order(
                client_order_id=request.client_order_id,
                exchange_order_id=str(raw.get("id") or ""),
                symbol=symbol,
                side=request.side,
                type=request.type,
                size=request.size,
                filled=ZERO,
                status=OrderStatus.NEW,
                price=request.price,
                reduce_only=request.reduce_only,
                timestamp_ms=self._now_ms(),
            )
        )

    def _order(self, symbol: str, raw: Mapping[str, Any], client_order_id: str = "") -> Order:
        return convert.order(raw, client_order_id, self._contract_size(symbol))

    def _remember(self, order: Order) -> Order:
        if order.exchange_order_id and order.client_order_id:
            self._client_ids[order.exchange_order_id] = order.client_order_id
        return order
