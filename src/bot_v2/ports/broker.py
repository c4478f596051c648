"""IBroker: everything the core asks of a venue. The sim exchange and the ccxt adapter implement it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from bot_v2.domain.account import Balance, PositionReport
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.market import MarketSpec
from bot_v2.domain.orders import Order, OrderRequest


class IProtectiveOrders(Protocol):
    """Conditional orders the venue holds for us (stop-market, take-profit-market, stop-limit),
    always reduce-only. Kept apart from plain orders because venues keep them apart (OKX algo
    orders have their own ids and calls; Bybit lists them with a filter), and because a plain
    order's reconciliation must never cancel a stop it does not know.

    A triggered order's fill arrives through `fetch_fills` with the protective order's client id.
    Every IBroker has them (the sim and the ccxt adapter implement them)."""

    async def place_protective(self, request: OrderRequest) -> Order:
        """Place a conditional order (`request.type.is_conditional`) with our client order id.
        Raises a BrokerError subclass on rejection, OrderOutcomeUnknown when the answer is lost."""

    async def cancel_protective(self, symbol: str, client_order_id: str) -> Order:
        """Cancel a conditional order. Raises OrderNotFound when the venue has no open one."""

    async def fetch_protective_orders(self, symbols: Sequence[str]) -> list[Order]:
        """Every open (untriggered) conditional order for the symbols."""


class IBroker(IProtectiveOrders, Protocol):
    async def start(self) -> None:
        """Open connections. Raises AuthenticationFailed or ExchangeUnavailable."""

    async def close(self) -> None: ...

    async def load_markets(self, symbols: Sequence[str]) -> dict[str, MarketSpec]:
        """Market rules for the symbols; raises InvalidSymbol for one the venue does not list as a
        linear swap."""

    async def fetch_balance(self) -> Balance: ...

    async def fetch_positions(self, symbols: Sequence[str]) -> list[PositionReport]: ...

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None: ...

    async def submit_order(self, request: OrderRequest) -> Order:
        """Send an order with our client order id. Raises a BrokerError subclass on rejection."""

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order: ...

    async def fetch_order(self, symbol: str, client_order_id: str) -> Order | None:
        """The order with that client order id, or None when the venue never saw it."""

    async def fetch_open_orders(self, symbols: Sequence[str]) -> list[Order]: ...

    async def fetch_fills(self, symbols: Sequence[str], since_ms: int) -> list[Fill]:
        """Fills with timestamp >= since_ms, oldest first."""

    async def fetch_funding(self, symbols: Sequence[str], since_ms: int) -> list[FundingPayment]:
        """Funding settlements with timestamp >= since_ms, oldest first."""

    def account_version(self) -> int | None:
        """A number that changes whenever `fetch_fills` or `fetch_funding` may have something new
        (a fill, a funding payment), or None when the venue cannot tell cheaply. Callers may skip
        those fetches while it returns the number it returned before their last ones; None means
        they must fetch every time (a live venue is polled)."""
