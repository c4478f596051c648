"""Bybit v5 linear perpetuals: what the generic ccxt broker needs to know (adapters/venues/profile.py)."""

from __future__ import annotations

from typing import Any

from bot_v2.adapters.venues.profile import VenueProfile
from bot_v2.domain.errors import (
    AuthenticationFailed,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)


def _wallet(info: Any, asset: str) -> object:
    for account in ((info or {}).get("result") or {}).get("list") or []:
        for coin in account.get("coin") or []:
            if coin.get("coin") == asset:
                return coin.get("walletBalance")
    return None


PROFILE = VenueProfile(
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
    public_page_limits={"candles": 1000, "mark": 1000, "funding": 200},
    tier_maintenance_field="mmDeduction",
    trade_client_id_field="orderLinkId",
    funding_rate_field="feeRate",
    funding_mark_field="execPrice",
    funding_amount_sign=-1,
    liquidation_exec_types=("BustTrade", "AdlTrade"),
    wallet_balance=_wallet,
)
