"""Translating ccxt exceptions into the domain's errors, with texts cleaned of credentials.

ccxt is imported inside the functions: this module is imported with the adapter, and the adapter
must not pull ccxt in before a ccxt broker is actually built."""

from __future__ import annotations

import re
from typing import Any

from bot_v2.adapters.brokers.ccxt.redact import Redactor
from bot_v2.adapters.venues.profile import VenueProfile
from bot_v2.domain.errors import (
    AuthenticationFailed,
    BotError,
    BrokerError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    InvalidSymbol,
    OrderNotFound,
    RateLimited,
)

# `"code":-2019` (Binance), `"retCode":110007` (Bybit), `"sCode":"51008"` / `"code":"50011"` (OKX).
_CODE = re.compile(r"[\"'](?:code|retCode|ret_code|sCode)[\"']\s*:\s*[\"']?(-?\d+)")
# Kraken Futures names its errors with words: `"error":"apiLimitExceeded"` in the envelope, and
# ccxt's `createOrder failed due to wouldNotReducePosition` for an order's status.
_WORD = re.compile(r"failed due to (\w+)|[\"']error[\"']\s*:\s*[\"'](\w+)")
_MAX_TEXT = 400


def _ccxt() -> Any:
    import ccxt  # type: ignore[import-untyped]

    return ccxt


def venue_code(exc: BaseException) -> str | None:
    """The venue's own error code inside a ccxt exception text, when there is one."""
    codes = [c for c in _CODE.findall(str(exc)) if c not in ("0", "200")]
    if codes:
        return codes[-1]
    words = [a or b for a, b in _WORD.findall(str(exc))]
    return words[-1] if words else None


def is_ccxt_error(exc: BaseException) -> bool:
    return isinstance(exc, _ccxt().BaseError)


def is_no_change(exc: BaseException, venue: VenueProfile) -> bool:
    """Answers meaning "already so" to a leverage or margin-mode change."""
    return isinstance(exc, _ccxt().NoChange) or venue_code(exc) in venue.no_change_codes


def is_duplicate_client_id(exc: BaseException, venue: VenueProfile) -> bool:
    return venue_code(exc) in venue.duplicate_client_id_codes


def _domain_class(exc: BaseException, venue: VenueProfile) -> type[BotError]:
    ccxt = _ccxt()

    # ccxt falls back to these when it cannot map a venue code (for instance when custom `urls`
    # bypass its URL-scoped tables); the venue profile knows better.
    generic = (ccxt.ExchangeError, ccxt.OperationFailed, ccxt.OperationRejected, ccxt.BadRequest)
    if type(exc) in generic:
        mapped = venue.error_codes.get(venue_code(exc) or "")
        if mapped is not None:
            return mapped
    ladder: tuple[tuple[type[BaseException], type[BotError]], ...] = (
        (ccxt.AuthenticationError, AuthenticationFailed),
        (ccxt.InsufficientFunds, InsufficientFunds),
        (ccxt.OrderNotFound, OrderNotFound),
        (ccxt.BadSymbol, InvalidSymbol),
        (ccxt.InvalidOrder, InvalidOrder),
        (ccxt.BadRequest, InvalidOrder),
        (ccxt.OperationRejected, InvalidOrder),
        (ccxt.RateLimitExceeded, RateLimited),
        (ccxt.DDoSProtection, RateLimited),
        # Timeouts, refused connections, 5xx, maintenance, clock skew, unparseable answers: the
        # request's outcome is unknown, which is what ExchangeUnavailable means.
        (ccxt.NetworkError, ExchangeUnavailable),
        (ccxt.OperationFailed, ExchangeUnavailable),
    )
    for ccxt_class, domain_class in ladder:
        if isinstance(exc, ccxt_class):
            return domain_class
    mapped = venue.error_codes.get(venue_code(exc) or "")
    return mapped if mapped is not None else BrokerError


def to_domain_error(
    exc: BaseException, venue: VenueProfile, operation: str, redactor: Redactor
) -> BotError:
    """One line naming the venue and the operation, then the venue's answer, cleaned."""
    text = redactor.clean(str(exc)).strip()
    if text.startswith(venue.exchange_id + " "):
        text = text[len(venue.exchange_id) + 1 :]
    if len(text) > _MAX_TEXT:
        text = text[:_MAX_TEXT] + "…"
    message = f"{venue.exchange_id} {operation}: {text or type(exc).__name__}"
    return _domain_class(exc, venue)(message)
