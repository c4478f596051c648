"""The venues the ccxt broker supports, one profile each. Adding a venue is one `VenueProfile` entry
in `VENUES` (plus a loopback server to prove it): everything venue-specific the broker needs lives
here, so broker.py stays venue-neutral.

Why each ccxt default: the broker trades USDT-margined linear swaps only, so every profile loads only
those markets and skips the currency list (a signed wallet call on most venues) to keep start-up to
the calls that matter."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import attrs

from bot_v2.domain.errors import (
    AuthenticationFailed,
    BrokerError,
    ConfigError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)

DAY_MS = 86_400_000
WalletBalance = Callable[[Any, str], object]


def _binance_wallet(info: Any, asset: str) -> object:
    # ccxt's total is marginBalance (wallet + unrealized); the wallet is in the raw asset row.
    for row in (info or {}).get("assets") or []:
        if row.get("asset") == asset:
            return row.get("walletBalance")
    return None


def _bybit_wallet(info: Any, asset: str) -> object:
    for account in ((info or {}).get("result") or {}).get("list") or []:
        for coin in account.get("coin") or []:
            if coin.get("coin") == asset:
                return coin.get("walletBalance")
    return None


def _okx_wallet(info: Any, asset: str) -> object:
    # ccxt's total is `eq` (equity); the cash balance is `cashBal`.
    for account in (info or {}).get("data") or []:
        for detail in account.get("details") or []:
            if detail.get("ccy") == asset:
                return detail.get("cashBal")
    return None


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
    # ccxt's implicit API methods that obtain (POST) and keep alive (PUT) a user-data-stream listen
    # key, when the venue's private websocket needs one and a stream adapter exists for it.
    listen_key_calls: tuple[str, str] | None = None
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


BINANCEUSDM = VenueProfile(
    exchange_id="binanceusdm",
    ccxt_defaults={
        # ccxt's own default for binanceusdm is "swap" (fapi perpetuals); "future" would steer
        # type-less calls toward dated contracts.
        "options": {
            "defaultType": "swap",
            "defaultSubType": "linear",
            "fetchCurrencies": False,
            "fetchMarkets": {"types": ["linear"]},
        },
        "has": {"fetchCurrencies": False},
    },
    client_id_param="newClientOrderId",
    lookup_id_param="origClientOrderId",
    client_id_pattern=r"^[.A-Z:/a-z0-9_-]{1,36}$",
    fetch_by_client_id="fetch_order",
    # ccxt refuses signed futures calls on the old testnet and points to demo trading instead.
    sandbox="demo",
    error_codes={
        "-1003": RateLimited,
        "-1007": ExchangeUnavailable,
        "-1111": InvalidOrder,
        "-2011": OrderNotFound,
        "-2013": OrderNotFound,
        "-2014": AuthenticationFailed,
        "-2015": AuthenticationFailed,
        "-1022": AuthenticationFailed,
        "-2018": InsufficientFunds,
        "-2019": InsufficientFunds,
        "-2022": InvalidOrder,
        "-4003": InvalidOrder,
        "-4014": InvalidOrder,
        "-4116": InvalidOrder,
        "-4164": InvalidOrder,
        "-5022": InvalidOrder,
    },
    duplicate_client_id_codes=("-4116",),
    no_change_codes=("-4046",),
    tiers_need_auth=True,
    tier_maintenance_field="cum",
    liquidation_client_prefixes=("autoclose-", "adl_autoclose"),
    wallet_balance=_binance_wallet,
    listen_key_calls=("fapiPrivatePostListenKey", "fapiPrivatePutListenKey"),
    # In hedge mode Binance refuses orders without positionSide (-4061).
    one_way_mode=OneWayMode(
        hedge_mode_name="hedge",
        how_to_switch="switch it in Binance Futures (Preferences > Position Mode > One-way) "
        "or with POST /fapi/v1/positionSide/dual dualSidePosition=false",
    ),
)

BYBIT = VenueProfile(
    exchange_id="bybit",
    ccxt_defaults={
        "options": {
            "defaultType": "swap",
            "defaultSubType": "linear",
            "defaultSettle": "USDT",
            "fetchMarkets": {"types": ["linear"]},
            # Unified trading accounts are the norm; saying so spares two permission-hungry
            # account-type probes before the first private call.
            "enableUnifiedAccount": True,
            "enableUnifiedMargin": False,
        },
        "has": {"fetchCurrencies": False},
    },
    client_id_param="orderLinkId",
    lookup_id_param="orderLinkId",
    client_id_pattern=r"^[A-Za-z0-9_-]{1,36}$",
    fetch_by_client_id="open_then_closed",
    sandbox="testnet",
    error_codes={
        "10003": AuthenticationFailed,
        "10004": AuthenticationFailed,
        "10006": RateLimited,
        "10018": RateLimited,
        "10001": InvalidOrder,
        "10016": ExchangeUnavailable,
        "110001": OrderNotFound,
        "110004": InsufficientFunds,
        "110007": InsufficientFunds,
        "110012": InsufficientFunds,
        "110017": InvalidOrder,
        "110072": InvalidOrder,
    },
    duplicate_client_id_codes=("110072",),
    no_change_codes=("110043", "110026"),
    history_page_limit=100,
    history_order="desc",
    tiers_need_auth=False,
    tier_maintenance_field="mmDeduction",
    trade_client_id_field="orderLinkId",
    funding_rate_field="feeRate",
    funding_mark_field="execPrice",
    funding_amount_sign=-1,
    liquidation_exec_types=("BustTrade", "AdlTrade"),
    wallet_balance=_bybit_wallet,
)

OKX = VenueProfile(
    exchange_id="okx",
    ccxt_defaults={
        "options": {
            "defaultType": "swap",
            "fetchMarkets": {"types": ["swap"]},
            # One order per request: the batch endpoint answers a lone failure the same way.
            "createOrder": "privatePostTradeOrder",
        },
        "has": {"fetchCurrencies": False},
    },
    client_id_param="clOrdId",
    lookup_id_param="clOrdId",
    client_id_pattern=r"^[A-Za-z0-9]{1,32}$",
    fetch_by_client_id="fetch_order",
    # ccxt points OKX at its demo-trading header (x-simulated-trading) in sandbox mode.
    sandbox="testnet",
    error_codes={
        "50004": ExchangeUnavailable,
        "50011": RateLimited,
        "50105": AuthenticationFailed,
        "50111": AuthenticationFailed,
        "50113": AuthenticationFailed,
        "51008": InsufficientFunds,
        "51016": InvalidOrder,
        "51169": InvalidOrder,
        "51400": OrderNotFound,
        "51603": OrderNotFound,
    },
    duplicate_client_id_codes=("51016",),
    no_change_codes=(),
    # fills-history and bills-archive keep three months and take any span inside them.
    history_window_ms=90 * DAY_MS,
    history_max_age_ms=90 * DAY_MS,
    history_page_limit=100,
    history_order="desc",
    tiers_need_auth=False,
    trade_client_id_field="clOrdId",
    # A funding bill's `px` is the mark price it settled at; the rate comes from the rate history.
    funding_mark_field="px",
    wallet_balance=_okx_wallet,
    margin_mode_per_order=True,
    funding_window_params=("begin", "end"),
    funding_symbol_param="instId",
    rate_window_params=("before", "after"),
    tiers_in_contracts=True,
    # In long/short mode OKX wants posSide on every order (51000) and reports a position per side.
    one_way_mode=OneWayMode(
        hedge_mode_name="long/short",
        how_to_switch="switch it in OKX settings (Trade > Position mode) "
        "or with POST /api/v5/account/set-position-mode",
    ),
)


def _krakenfutures_wallet(info: Any, asset: str) -> object:
    # The multi-collateral (flex) account: each currency's `quantity` is the cash held; ccxt's
    # total is the same field, read here so the meaning is pinned to the raw answer.
    accounts = (info or {}).get("accounts") or {}
    currencies = (accounts.get("flex") or {}).get("currencies") or {}
    row = currencies.get(asset) or currencies.get(asset.lower()) or {}
    return row.get("quantity")


KRAKENFUTURES = VenueProfile(
    exchange_id="krakenfutures",
    ccxt_defaults={
        "options": {"defaultType": "swap"},
        "has": {"fetchCurrencies": False},
    },
    client_id_param="cliOrdId",
    lookup_id_param="cliOrdIds",
    # Kraken takes any string of up to 100 characters; the bot's ids are shorter and plain.
    client_id_pattern=r"^[A-Za-z0-9_-]{1,100}$",
    fetch_by_client_id="fetch_orders",
    # ccxt's sandbox is Kraken's demo environment (demo-futures.kraken.com).
    sandbox="testnet",
    error_codes={
        "apiLimitExceeded": RateLimited,
        "authenticationError": AuthenticationFailed,
        "insufficientAvailableFunds": InsufficientFunds,
        "wouldNotReducePosition": InvalidOrder,
        "clientOrderIdAlreadyExist": InvalidOrder,
        "notFound": OrderNotFound,
        "unavailable": ExchangeUnavailable,
    },
    duplicate_client_id_codes=("clientOrderIdAlreadyExist",),
    # /fills lists the newest 100 fills of the whole account; the account log (funding) answers
    # 500 rows of all contracts from `since` by default. Two-day windows keep a window's funding
    # rows (hourly, per contract) inside one answer, since ccxt filters the symbol afterwards.
    history_window_ms=2 * DAY_MS,
    history_max_age_ms=90 * DAY_MS,
    history_page_limit=100,
    history_order="desc",
    tiers_need_auth=False,
    tiers_in_contracts=True,
    trade_client_id_field="cliOrdId",
    # Funding payments are the account log's `funding rate change` rows: `realized_funding` is
    # what the account got. Their `funding_rate` is Kraken's absolute rate (USD per contract), so
    # the relative rate comes from the rate history; the mark is read when the row has one.
    funding_mark_field="mark_price",
    wallet_balance=_krakenfutures_wallet,
    settle_assets=("USD",),
    cancel_by_client_id="cancel_orders",
    time_in_force={"GTC": "gtc", "IOC": "ioc"},
)

# The registry: one entry per supported venue.
VENUES: dict[str, VenueProfile] = {
    p.exchange_id: p for p in (BINANCEUSDM, BYBIT, OKX, KRAKENFUTURES)
}

# Venues ccxt has that were evaluated and refused, with the reason given to the operator.
REFUSED: dict[str, str] = {
    "coinbaseinternational": "ccxt's coinbaseinternational cannot send reduce-only orders and "
    "has no funding-payment history (see docs/exchanges.md)",
}


def venue_profile(exchange_id: str) -> VenueProfile:
    profile = VENUES.get(exchange_id)
    if exchange_id in REFUSED:
        raise ConfigError(
            [f"config.broker.exchange: {exchange_id!r} is refused: {REFUSED[exchange_id]}"]
        )
    if profile is None:
        supported = ", ".join(sorted(VENUES))
        raise ConfigError(
            [
                f"config.broker.exchange: {exchange_id!r} is not a supported venue (supported: {supported})"
            ]
        )
    return profile
