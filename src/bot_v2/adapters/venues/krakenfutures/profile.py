"""Kraken Futures multi-collateral linear perpetuals (USD, `PF_*`): what the generic ccxt broker
needs to know (adapters/venues/profile.py)."""

from __future__ import annotations

from typing import Any

from bot_v2.adapters.venues.profile import DAY_MS, VenueProfile
from bot_v2.domain.errors import (
    AuthenticationFailed,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)


def _wallet(info: Any, asset: str) -> object:
    # The multi-collateral (flex) account: each currency's `quantity` is the cash held; ccxt's
    # total is the same field, read here so the meaning is pinned to the raw answer.
    accounts = (info or {}).get("accounts") or {}
    currencies = (accounts.get("flex") or {}).get("currencies") or {}
    row = currencies.get(asset) or currencies.get(asset.lower()) or {}
    return row.get("quantity")


PROFILE = VenueProfile(
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
    wallet_balance=_wallet,
    settle_assets=("USD",),
    cancel_by_client_id="cancel_orders",
    time_in_force={"GTC": "gtc", "IOC": "ioc"},
    # 2000 candles a page; the funding-rate history answers every rate at once.
    public_page_limits={"candles": 2000, "mark": 2000, "funding": 1000},
    candle_end_seconds_param="to",
    rate_history_unbounded=True,
)
