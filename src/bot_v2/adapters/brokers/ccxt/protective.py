"""IProtectiveOrders over ccxt: conditional orders the venue holds for us (stop-market,
take-profit-market, stop-limit), always reduce-only, kept apart from plain orders because the venues
keep them apart (adapters/venues/<id>/protective.py says how each one does).

The rules of plain submits hold: a placement whose answer is lost is looked up once by client id
and never sent again (OrderOutcomeUnknown when not found); only refusals that prove the venue did not
take it (rate limits) are retried; a duplicate client id after a retry means the first attempt
landed. A triggered order's fill arrives through `fetch_fills` under its client id."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from bot_v2.adapters.brokers.ccxt import convert, orders
from bot_v2.adapters.brokers.ccxt.errors import is_duplicate_client_id
from bot_v2.adapters.brokers.ccxt.market_data import CcxtMarketData
from bot_v2.adapters.venues.protective_style import ProtectiveStyle
from bot_v2.domain.errors import (
    BrokerError,
    ConfigError,
    ExchangeUnavailable,
    InvalidOrder,
    OrderNotFound,
    OrderOutcomeUnknown,
)
from bot_v2.domain.money import ZERO
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus, OrderType, TriggerPrice

log = logging.getLogger("bot_v2.adapters.brokers.ccxt.broker")

_STATUS = {
    "open": OrderStatus.NEW,
    # Closed: the venue fired it (its fill comes through fetch_fills).
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
    "rejected": OrderStatus.REJECTED,
    "expired": OrderStatus.EXPIRED,
}


class CcxtProtectiveOrders(CcxtMarketData):
    """The IProtectiveOrders half of CcxtBroker."""

    @property
    def _style(self) -> ProtectiveStyle:
        if self._protective_style is None:
            raise ConfigError(
                [
                    f"config.broker.exchange: {self._venue.exchange_id!r} has no protective (conditional) orders"
                ]
            )
        return self._protective_style

    def _margin_params(self, symbol: str) -> dict[str, Any]:
        if not self._venue.margin_mode_per_order:
            return {}
        return {"marginMode": self._margin_modes.get(symbol, "cross")}

    async def place_protective(self, request: OrderRequest) -> Order:
        operation = f"place_protective {request.client_order_id}"
        if not request.type.is_conditional:
            raise InvalidOrder(
                f"{self.exchange_id} {operation}: {request.type.value} is not a conditional order"
            )
        await self._ensure_markets()
        symbol, market = self._market(request.symbol)
        spec = self._specs.get(symbol) or self._spec(symbol, market)
        orders.validate(self._venue, request, spec)
        assert request.trigger_price is not None
        if request.trigger_price % spec.tick_size != 0:
            raise InvalidOrder(
                f"{self.exchange_id} {operation}: trigger price {request.trigger_price} is not "
                f"a multiple of {spec.tick_size}"
            )
        params = self._style.create_params(request)
        params.update(self._margin_params(symbol))
        args = (
            symbol,
            "limit" if request.type is OrderType.STOP_LIMIT else "market",
            request.side.value,
            float(request.size / self._contract_size(symbol)),
            None if request.price is None else float(request.price),
            params,
        )

        async def attempt() -> Order:
            raw = await self._calls.attempt(operation, self._exchange.create_order, *args)
            return await self._placed(symbol, raw, request)

        async def unknown(exc: ExchangeUnavailable) -> Order:
            try:
                landed = await self._lookup_protective(symbol, request.client_order_id)
            except BrokerError as lookup_exc:
                log.warning("%s: lookup after a lost answer failed: %s", operation, lookup_exc)
                landed = None
            if landed is not None:
                log.warning("%s: the lost attempt landed (%s)", operation, landed.status.value)
                return landed
            raise OrderOutcomeUnknown(
                f"{exc}; the venue may hold the order: not sent again, not found by client id yet"
            )

        async def after_retry(exc: BrokerError) -> Order | None:
            if not (isinstance(exc, InvalidOrder) and is_duplicate_client_id(exc, self._venue)):
                return None
            return await self._lookup_protective(symbol, request.client_order_id)

        return await self._calls.run(operation, attempt, ambiguous=unknown, after_retry=after_retry)

    async def cancel_protective(self, symbol: str, client_order_id: str) -> Order:
        await self._ensure_markets()
        unified, _ = self._market(symbol)
        operation = f"cancel_protective {client_order_id}"
        params = self._style.cancel_params(client_order_id)

        async def attempt() -> Order | None:
            if self._venue.cancel_by_client_id == "cancel_orders":
                cancel = self._exchange.cancel_orders
                await self._calls.attempt(operation, cancel, [], unified, params)
                return None
            await self._calls.attempt(operation, self._exchange.cancel_order, None, unified, params)
            return None

        async def after_retry(exc: BrokerError) -> Order | None:
            if not isinstance(exc, OrderNotFound):
                return None
            # An earlier attempt whose answer was lost may have cancelled it.
            current = await self._lookup_protective(unified, client_order_id)
            return None if current is None or current.status.is_open else current

        done = await self._calls.run(operation, attempt, after_retry=after_retry)
        if done is not None:
            return done
        # Cancel answers carry ids only on some venues: report the order as it now stands.
        current = await self._calls.run(
            f"fetch_protective {client_order_id}",
            lambda: self._lookup_protective(unified, client_order_id),
        )
        if current is None:
            raise OrderNotFound(f"{self.exchange_id} {operation}: gone after cancel")
        return current

    async def fetch_protective_orders(self, symbols: Sequence[str]) -> list[Order]:
        await self._ensure_markets()
        found: list[Order] = []
        for symbol in symbols:
            unified, _ = self._market(symbol)
            raw = await self._call(
                f"fetch_protective_orders {unified}",
                self._exchange.fetch_open_orders,
                unified,
                None,
                None,
                dict(self._style.list_params),
            )
            conditional = self._style.is_conditional
            found.extend(
                self._protective(unified, o)
                for o in raw or []
                if conditional is None or conditional(o.get("info") or {})
            )
        return found

    # ---- internals -----------------------------------------------------------------------------

    async def _placed(self, symbol: str, raw: Mapping[str, Any], request: OrderRequest) -> Order:
        if convert.is_complete_order(raw):
            placed = self._protective(symbol, raw, request.client_order_id)
        else:
            # Acknowledged with ids only: ask for the order itself.
            looked = await self._calls.run(
                f"fetch_protective {request.client_order_id}",
                lambda: self._lookup_protective(symbol, request.client_order_id),
            )
            placed = looked or self._as_placed(symbol, raw, request)
        if placed.close_position and placed.size == 0:
            # Close-position orders carry no size on the venue: report the size at placement.
            placed = _with_size(placed, request)
        return placed

    async def _lookup_protective(self, symbol: str, client_order_id: str) -> Order | None:
        """One look for the conditional order by client id, in any state (no retries)."""
        operation = f"fetch_protective {client_order_id}"
        params = self._style.lookup_params(client_order_id)
        if self._style.lookup == "fetch_orders":
            rows = await self._calls.attempt(
                operation, self._exchange.fetch_orders, symbol, None, None, dict(params)
            )
            for raw in rows or []:
                if self._protective_client_id(raw) == client_order_id:
                    return self._protective(symbol, raw, client_order_id)
            return None
        if self._style.lookup == "fetch_order":
            try:
                raw = await self._calls.attempt(
                    operation, self._exchange.fetch_order, None, symbol, params
                )
            except OrderNotFound:
                return None
            return self._protective(symbol, raw, client_order_id) if raw else None
        for fetch in (self._exchange.fetch_open_orders, self._exchange.fetch_closed_orders):
            rows = await self._calls.attempt(operation, fetch, symbol, None, None, dict(params))
            for raw in rows or []:
                if self._protective_client_id(raw) == client_order_id:
                    return self._protective(symbol, raw, client_order_id)
        return None

    def _protective_client_id(self, raw: Mapping[str, Any]) -> str:
        return str(raw.get("clientOrderId") or "") or self._style.client_id_of(
            raw.get("info") or {}
        )

    def _protective(self, symbol: str, raw: Mapping[str, Any], client_order_id: str = "") -> Order:
        info = raw.get("info") or {}
        style = self._style
        contract = self._contract_size(symbol)
        size = convert.dec0(raw.get("amount")) * contract
        status = _STATUS.get(str(raw.get("status") or "open"), OrderStatus.NEW)
        filled = convert.dec0(raw.get("filled")) * contract
        if status is OrderStatus.FILLED and not filled:
            filled = size
        take_profit = style.is_take_profit(info)
        if take_profit is None:
            take_profit = raw.get("takeProfitPrice") is not None and not raw.get("stopLossPrice")
        price = convert.dec(raw.get("price") or style.limit_price_of(info))
        kind = OrderType.TAKE_PROFIT_MARKET if take_profit else OrderType.STOP_MARKET
        if price and not take_profit and "market" not in str(raw.get("type") or ""):
            kind = OrderType.STOP_LIMIT
        trigger = raw.get("triggerPrice") or raw.get("stopLossPrice") or raw.get("takeProfitPrice")
        order = Order(
            client_order_id=self._protective_client_id(raw) or client_order_id,
            exchange_order_id=str(raw.get("id") or ""),
            symbol=symbol,
            side=convert.order(raw).side,
            type=kind,
            size=size,
            filled=filled,
            status=status,
            price=price if kind is OrderType.STOP_LIMIT else None,
            average_price=convert.dec(raw.get("average")) or None,
            reduce_only=True,
            timestamp_ms=int(raw.get("timestamp") or raw.get("lastUpdateTimestamp") or 0),
            trigger_price=convert.dec(trigger),
            trigger_by=TriggerPrice.MARK if style.watches_mark(info) else TriggerPrice.LAST,
            close_position=style.closes_position(info),
        )
        if order.exchange_order_id and order.client_order_id:
            self._client_ids[order.exchange_order_id] = order.client_order_id
        return order

    def _as_placed(self, symbol: str, raw: Mapping[str, Any], request: OrderRequest) -> Order:
        """The order as we asked for it, when the venue acknowledged it but cannot show it yet."""
        return Order(
            client_order_id=request.client_order_id,
            exchange_order_id=str(raw.get("id") or ""),
            symbol=symbol,
            side=request.side,
            type=request.type,
            size=request.size,
            filled=ZERO,
            status=OrderStatus.NEW,
            price=request.price,
            reduce_only=True,
            timestamp_ms=self._now_ms(),
            trigger_price=request.trigger_price,
            trigger_by=request.trigger_by,
            close_position=request.close_position,
        )


def _with_size(order: Order, request: OrderRequest) -> Order:
    return attrs.evolve(order, size=request.size)
