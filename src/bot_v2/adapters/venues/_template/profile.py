"""REQUIRED. What the generic ccxt broker needs to know about the venue; every field is explained
in adapters/venues/profile.py. Fill in from the venue's API docs and check each against a loopback
server that speaks its wire format. The values below are placeholders, not any venue's truth."""

from __future__ import annotations

from typing import Any

from bot_v2.adapters.venues.profile import VenueProfile
from bot_v2.domain.errors import AuthenticationFailed, InsufficientFunds, OrderNotFound, RateLimited


def _wallet(info: Any, asset: str) -> object:
    # Balance.total must be the wallet balance (realized cash, no unrealized PnL): read it from the
    # venue's raw balance answer (ccxt's `info`). None: keep ccxt's `total`.
    return None


PROFILE = VenueProfile(
    exchange_id="template",
    # Only the venue's USDT-margined linear swaps, and no currency list (a signed call on most
    # venues) at start-up.
    ccxt_defaults={
        "options": {"defaultType": "swap", "fetchMarkets": {"types": ["linear"]}},
        "has": {"fetchCurrencies": False},
    },
    client_id_param="clientOrderId",
    lookup_id_param="clientOrderId",
    client_id_pattern=r"^[A-Za-z0-9_-]{1,32}$",
    fetch_by_client_id="fetch_order",
    sandbox="none",
    # Venue error codes ccxt may leave generic -> domain errors (retry decisions read these).
    error_codes={
        "AUTH": AuthenticationFailed,
        "RATE": RateLimited,
        "FUNDS": InsufficientFunds,
        "NOORDER": OrderNotFound,
    },
    wallet_balance=_wallet,
)
