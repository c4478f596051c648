"""The listen key of a private user data stream (Binance USDⓈ-M), over the broker's ccxt calls.

Kept out of the venue-neutral broker: only venues whose profile names `listen_key_calls` have one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot_v2.adapters.brokers.ccxt.calls import VenueCalls
from bot_v2.adapters.brokers.ccxt.redact import Redactor
from bot_v2.adapters.brokers.ccxt.venues import VenueProfile
from bot_v2.domain.errors import ExchangeUnavailable
from bot_v2.features.streaming.errors import NoStreamAdapter


class ListenKeys:
    def __init__(
        self, exchange: Any, venue: VenueProfile, calls: VenueCalls, redactor: Redactor
    ) -> None:
        self._exchange = exchange
        self._venue = venue
        self._calls = calls
        self._redactor = redactor

    @property
    def available(self) -> bool:
        """Whether the venue has a private stream this adapter can open a listen key for."""
        return self._venue.listen_key_calls is not None

    async def obtain(self) -> str:
        """POST a listen key for the private websocket: the active key (extended) or a new one.

        One attempt, no retries: the stream's supervisor reconnects with its own backoff. The key
        is a secret from here on: masked in every error and log line like the credentials."""
        post, _ = self._names()
        raw = await self._calls.attempt("obtain_listen_key", getattr(self._exchange, post), {})
        key = raw.get("listenKey") if isinstance(raw, Mapping) else None
        if not isinstance(key, str) or not key:
            raise ExchangeUnavailable(
                f"{self._venue.exchange_id} obtain_listen_key: the answer carries no listenKey"
            )
        self._redactor.add(key)
        return key

    async def keepalive(self, key: str) -> None:
        """PUT: extends the account's active listen key by 60 min (Binance USDⓈ-M takes no
        parameter: one key per API key). Retried like any read; `key` only names what to mask."""
        _, put = self._names()
        self._redactor.add(key)
        await self._calls.call("keepalive_listen_key", getattr(self._exchange, put), {})

    def _names(self) -> tuple[str, str]:
        calls = self._venue.listen_key_calls
        if calls is None:
            raise NoStreamAdapter(
                f"{self._venue.exchange_id}: no private user data stream in this adapter; "
                "fills come from the REST sync each cycle"
            )
        return calls
