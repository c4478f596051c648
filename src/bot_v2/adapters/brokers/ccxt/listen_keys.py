"""A private user data stream's listen key, for venues whose profile names `listen_key` calls (the
venue folder says which endpoints and how to read them). This side only hands the venue's calls the
broker's signed ccxt calls, retries and secret masking, so the broker stays venue-neutral."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot_v2.adapters.brokers.ccxt.calls import VenueCalls
from bot_v2.adapters.brokers.ccxt.redact import Redactor
from bot_v2.adapters.venues.profile import ListenKeyCalls, VenueProfile
from bot_v2.features.streaming.errors import NoStreamAdapter


class _Signed:
    """SignedCalls over ccxt's implicit API methods, named as the venue names them."""

    def __init__(self, exchange: Any, calls: VenueCalls, redactor: Redactor) -> None:
        self._exchange = exchange
        self._calls = calls
        self._redactor = redactor

    async def attempt(self, what: str, method: str, params: Mapping[str, Any]) -> Any:
        return await self._calls.attempt(what, getattr(self._exchange, method), dict(params))

    async def call(self, what: str, method: str, params: Mapping[str, Any]) -> Any:
        return await self._calls.call(what, getattr(self._exchange, method), dict(params))

    def mask(self, secret: str) -> None:
        self._redactor.add(secret)


class ListenKeys:
    def __init__(
        self, exchange: Any, venue: VenueProfile, calls: VenueCalls, redactor: Redactor
    ) -> None:
        self._venue = venue
        self._signed = _Signed(exchange, calls, redactor)

    @property
    def available(self) -> bool:
        """Whether the venue has a private stream this adapter can open a listen key for."""
        return self._venue.listen_key is not None

    async def obtain(self) -> str:
        return await self._calls().obtain(self._signed)

    async def keepalive(self, key: str) -> None:
        await self._calls().keepalive(self._signed, key)

    def _calls(self) -> ListenKeyCalls:
        calls = self._venue.listen_key
        if calls is None:
            raise NoStreamAdapter(
                f"{self._venue.exchange_id}: no private user data stream in this adapter; "
                "fills come from the REST sync each cycle"
            )
        return calls
