"""The listen key of Binance USDⓈ-M's private user data stream (POST / PUT /fapi/v1/listenKey), over
the broker's signed calls: the generic ccxt broker knows only that a profile may name one."""

from __future__ import annotations

from collections.abc import Mapping

from bot_v2.adapters.venues.profile import ListenKeyCalls, SignedCalls
from bot_v2.domain.errors import ExchangeUnavailable


async def obtain(calls: SignedCalls) -> str:
    """POST a listen key for the private websocket: the active key (extended) or a new one.

    One attempt, no retries: the stream's supervisor reconnects with its own backoff. The key is a
    secret from here on: masked in every error and log line like the credentials."""
    raw = await calls.attempt("obtain_listen_key", "fapiPrivatePostListenKey", {})
    key = raw.get("listenKey") if isinstance(raw, Mapping) else None
    if not isinstance(key, str) or not key:
        raise ExchangeUnavailable("binanceusdm obtain_listen_key: the answer carries no listenKey")
    calls.mask(key)
    return key


async def keepalive(calls: SignedCalls, key: str) -> None:
    """PUT: extends the account's active listen key by 60 min (Binance USDⓈ-M takes no parameter:
    one key per API key). Retried like any read; `key` only names what to mask."""
    calls.mask(key)
    await calls.call("keepalive_listen_key", "fapiPrivatePutListenKey", {})


LISTEN_KEY = ListenKeyCalls(obtain=obtain, keepalive=keepalive)
