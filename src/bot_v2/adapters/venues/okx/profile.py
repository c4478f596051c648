"""OKX USDT swaps: what the generic ccxt broker needs to know (adapters/venues/profile.py)."""

from __future__ import annotations

from typing import Any

from bot_v2.adapters.venues.profile import DAY_MS, OneWayMode, VenueProfile
from bot_v2.domain.errors import (
    AuthenticationFailed,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)


def _wallet(info: Any, asset: str) -> object:
    # ccxt's total is `eq` (equity); the cash balance is `cashBal`.
    for account in (info or {}).get("data") or []:
        for detail in account.get("details") or []:
            if detail.get("ccy") == asset:
                return detail.get("cashBal")
    return None


PROFILE = VenueProfile(
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
    # 300 candles (history candles too), 100 mark candles, 100 funding rates.
    public_page_limits={"candles": 300, "mark": 100, "funding": 100},
    until_exclusive=True,
    trade_client_id_field="clOrdId",
    # A funding bill's `px` is the mark price it settled at; the rate comes from the rate history.
    funding_mark_field="px",
    wallet_balance=_wallet,
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
