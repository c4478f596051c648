"""Binance USDⓈ-M futures: what the generic ccxt broker needs to know (adapters/venues/profile.py)."""

from __future__ import annotations

from typing import Any

from bot_v2.adapters.venues.binanceusdm.listen_key import LISTEN_KEY
from bot_v2.adapters.venues.profile import OneWayMode, VenueProfile
from bot_v2.domain.errors import (
    AuthenticationFailed,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)


def _wallet(info: Any, asset: str) -> object:
    # ccxt's total is marginBalance (wallet + unrealized); the wallet is in the raw asset row.
    for row in (info or {}).get("assets") or []:
        if row.get("asset") == asset:
            return row.get("walletBalance")
    return None


PROFILE = VenueProfile(
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
    # Binance weighs klines over 1000 rows double.
    public_page_limits={"candles": 1000, "mark": 1000, "funding": 1000},
    tier_maintenance_field="cum",
    liquidation_client_prefixes=("autoclose-", "adl_autoclose"),
    wallet_balance=_wallet,
    listen_key=LISTEN_KEY,
    # In hedge mode Binance refuses orders without positionSide (-4061).
    one_way_mode=OneWayMode(
        hedge_mode_name="hedge",
        how_to_switch="switch it in Binance Futures (Preferences > Position Mode > One-way) "
        "or with POST /fapi/v1/positionSide/dual dualSidePosition=false",
    ),
)
