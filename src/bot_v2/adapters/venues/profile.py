"""What the generic ccxt broker needs to know about a venue: a `VenueProfile` (a frozen value each
venue folder fills in, adapters/venues/<id>/profile.py). Everything venue-specific the broker needs
lives in a profile, so adapters/brokers/ccxt stays venue-neutral.

Why each ccxt default: the broker trades USDT-margined linear swaps only, so every profile loads only
those markets and skips the currency list (a signed wallet call on most venues) to keep start-up to
the calls that matter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, Protocol

import attrs

from bot_v2.domain.errors import BrokerError

DAY_MS = 86_400_000
WalletBalance = Callable[[Any, str], object]


class SignedCalls(Protocol):
    """The broker's signed ccxt calls as a venue-specific call sees them (the broker implements it):
    a venue folder reaches the venue through these, never through broker internals."""

    async def attempt(self, what: str, method: str, params: Mapping[str, Any]) -> Any:
        """One attempt of ccxt's (implicit API) method `method`, no retry."""
        ...

    async def call(self, what: str, method: str, params: Mapping[str, Any]) -> Any:
        """`method`, retried like any read."""
        ...

    def mask(self, secret: str) -> None:
        """From now on `secret` is masked in every error and log line, like the credentials."""
        ...


@attrs.frozen
class ListenKeyCalls:
    """A private user data stream's key, for venues whose private websocket needs one."""

    # POST: the active key (extended) or a new one. One attempt: the stream's supervisor retries.
    obtain: Callable[[SignedCalls], Awaitable[str]]
    # PUT: keeps `key` alive.
    keepalive: Callable[[SignedCalls, str], Awaitable[None]]


@attrs.frozen
class OneWayMode:
    """The bot sends orders without a position side and reads one position per symbol, so it needs
    the account in one-way mode; a venue with an account-wide hedge mode is checked at start."""

    # What the venue calls its hedge mode, for the refusal.
    hedge_mode_name: str
    # Where the operator switches it back (the broker never does: it is the operator's account).
    how_to_switch: str


@attrs.frozen
class VenueProfile:
    exchange_id: str
    # Deep-merged under the user's `broker.ccxt_config` (the user wins).
    ccxt_defaults: Mapping[str, Any]
    # The venue-native parameter carrying our client order id when placing an order ...
    client_id_param: str
    # ... and when fetching or cancelling by it.
    lookup_id_param: str
    # What the venue accepts as a client order id; checked before sending.
    client_id_pattern: str
    # How an order is found by client id: one direct call, open orders then order history, or
    # an order-status listing filtered by client id (Kraken Futures' orders/status?cliOrdIds=:
    # ccxt's fetch_order would send the missing exchange id as `orderIds=None`).
    fetch_by_client_id: Literal["fetch_order", "open_then_closed", "fetch_orders"]
    # "testnet": ccxt's set_sandbox_mode; "demo": ccxt's enable_demo_trading; "none": neither.
    sandbox: Literal["testnet", "demo", "none"]
    # Venue error codes -> domain errors, used when ccxt could only raise a generic error (it maps
    # some codes by URL, which custom `urls` in ccxt_config bypass).
    error_codes: Mapping[str, type[BrokerError]] = attrs.field(factory=dict)
    # Codes meaning "that client order id is taken": on a retried submit, the first attempt landed.
    duplicate_client_id_codes: tuple[str, ...] = ()
    # Codes meaning "already so" for leverage / margin mode changes: success, not failure.
    no_change_codes: tuple[str, ...] = ()
    # Longest window one trade/funding history request may span, and how far back the venue keeps.
    history_window_ms: int = 7 * DAY_MS
    history_max_age_ms: int = 180 * DAY_MS
    # Rows per history page, and whether a full page holds a window's oldest rows ("asc",
    # Binance) or its newest ("desc", Bybit): that decides which way the next page lies.
    history_page_limit: int = 500
    history_order: Literal["asc", "desc"] = "asc"
    # Whether fetch_leverage_tiers needs signed requests.
    tiers_need_auth: bool = True
    # Raw tier field holding the maintenance amount (ccxt keeps the venue's bracket in `info`).
    tier_maintenance_field: str = ""
    # Raw trade field naming the order's client id, when the venue reports it with each fill.
    trade_client_id_field: str = ""
    # Raw funding-history fields (rate, mark price), when the venue reports them per payment.
    funding_rate_field: str = ""
    funding_mark_field: str = ""
    # ccxt passes the venue's funding amount through: +1 when it is what the account received
    # (Binance income), -1 when it is a fee the account paid (Bybit execFee).
    funding_amount_sign: int = 1
    # How a liquidation shows in a fill: raw execution type values, or client id prefixes.
    liquidation_exec_types: tuple[str, ...] = ()
    liquidation_client_prefixes: tuple[str, ...] = ()
    # Balance.total is the wallet balance (realized cash, no unrealized PnL), as the simulated
    # exchange reports it; ccxt's `total` means different things per venue, so read the raw answer.
    wallet_balance: WalletBalance | None = None
    # How to obtain and keep alive a user-data-stream listen key, when the venue's private
    # websocket needs one and the venue folder has a stream for it.
    listen_key: ListenKeyCalls | None = None
    # Whether the margin mode travels with each order and leverage call (OKX's tdMode / mgnMode),
    # rather than being an account or symbol setting the venue remembers; changing it then also
    # restates the leverage (OKX's set-leverage with the new mgnMode).
    margin_mode_per_order: bool = False
    # Venue parameters bounding a funding-history request in time, when ccxt sends neither bound
    # itself (OKX bills: `begin`, `end`).
    funding_window_params: tuple[str, str] | None = None
    # Venue parameter naming the instrument in a funding-history request, when ccxt asks by
    # currency only and filters other symbols out client-side (OKX bills: `instId`). Without it a
    # page holds other symbols' rows, comes back short, and the walk would stop mid-window.
    funding_symbol_param: str | None = None
    # Venue parameters bounding a funding-rate-history request (exclusive low, exclusive high),
    # when ccxt does not turn `until` into the venue's upper bound (OKX: `before`, `after`).
    rate_window_params: tuple[str, str] | None = None
    # Whether the leverage tiers bound the position in contracts (OKX) rather than in notional.
    tiers_in_contracts: bool = False
    # Rows one public-history request (data download) returns at most, per kind ("candles",
    # "mark", "funding"): the venue's documented maxima, kept below where a bigger page costs more
    # rate-limit weight. A kind left out gets 100.
    public_page_limits: Mapping[str, int] = attrs.field(factory=dict)
    # Whether ccxt sends a candle request's `until` to the venue as an exclusive bound (OKX's
    # `after`: older than), so the adapter asks for one millisecond more.
    until_exclusive: bool = False
    # Checked with ccxt's fetch_position_mode at start when keys are present; None: not checked
    # (Bybit sets the mode per symbol and has no account-wide read).
    one_way_mode: OneWayMode | None = None
    # The assets the venue settles its linear perpetuals in: `bot.quote_asset` must be one of
    # them (Kraken Futures' multi-collateral perpetuals are USD contracts, not USDT).
    settle_assets: tuple[str, ...] = ("USDT",)
    # How a cancel by client id is sent: ccxt's cancel_order, or cancel_orders with
    # `clientOrderIds` where cancel_order always names an exchange id (Kraken Futures would get
    # `order_id=None`; its batchorder cancels by cliOrdId).
    cancel_by_client_id: Literal["cancel_order", "cancel_orders"] = "cancel_order"
    # ccxt's `timeInForce` value per time in force, where it is not ours ("GTC"...) verbatim; a
    # time in force missing from the map is refused before sending (Kraken has no FOK, and its
    # ccxt reads only a lowercase "ioc": an "IOC" would silently rest as a GTC limit).
    time_in_force: Mapping[str, str] | None = None
    # Public history (data download), where ccxt passes `until` to the venue unread: the venue
    # parameter taking a candle request's end in epoch seconds, inclusive (Kraken charts: `to`;
    # ccxt's own reaches `limit` candles past the start, beyond the range asked) ...
    candle_end_seconds_param: str | None = None
    # ... and whether the funding-rate history takes no bounds at all (Kraken answers every rate):
    # rows past the range are dropped by the adapter.
    rate_history_unbounded: bool = False
