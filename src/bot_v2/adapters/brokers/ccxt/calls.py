"""Every ccxt call of one broker: through the gate (bans, long rate limits), ccxt exceptions turned
into domain errors with cleaned texts, and retried by the one retry loop (`retry.retrying`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot_v2.adapters.brokers.ccxt.errors import is_ccxt_error, to_domain_error
from bot_v2.adapters.brokers.ccxt.limits import Gate
from bot_v2.adapters.brokers.ccxt.redact import Redactor
from bot_v2.adapters.brokers.ccxt.retry import RetryPolicy, Sleep, retrying
from bot_v2.adapters.venues.profile import VenueProfile
from bot_v2.domain.errors import BrokerError, ExchangeUnavailable, RateLimited

log = logging.getLogger("bot_v2.adapters.brokers.ccxt.broker")
T = TypeVar("T")
Tolerate = Callable[[BaseException], bool]


class VenueCalls:
    def __init__(
        self,
        exchange: Any,
        venue: VenueProfile,
        redactor: Redactor,
        policy: RetryPolicy,
        sleep: Sleep,
        now_ms: Callable[[], int],
    ) -> None:
        self._exchange = exchange
        self._venue = venue
        self._redactor = redactor
        self._policy = policy
        self._sleep = sleep
        self.gate = Gate(venue.exchange_id, now_ms)

    async def attempt(
        self,
        operation: str,
        fn: Callable[..., Awaitable[Any]],
        *args: Any,
        tolerate: Tolerate | None = None,
    ) -> Any:
        """One ccxt call, unless the gate is closed; ccxt exceptions leave as domain errors with no
        ccxt text chained."""
        self.gate.check(operation)
        mapped = None
        try:
            return await fn(*args)
        except Exception as exc:
            if not is_ccxt_error(exc):
                raise
            if tolerate is not None and tolerate(exc):
                return None
            mapped = to_domain_error(exc, self._venue, operation, self._redactor)
            if isinstance(mapped, RateLimited):
                # Read before any await: ccxt keeps the headers of its latest response.
                headers = getattr(self._exchange, "last_response_headers", None)
                mapped = self.gate.rate_limited(
                    mapped, exc, headers, self._policy.max_retry_after_s
                )
        # Raised outside the except block so the ccxt exception (and its raw URL) is not chained.
        raise mapped

    async def call(
        self,
        operation: str,
        fn: Callable[..., Awaitable[Any]],
        *args: Any,
        tolerate: Tolerate | None = None,
    ) -> Any:
        """A call retried through transient failures (for reads and idempotent writes)."""
        return await self.run(
            operation, lambda: self.attempt(operation, fn, *args, tolerate=tolerate)
        )

    async def run(
        self,
        operation: str,
        attempt: Callable[[], Awaitable[T]],
        *,
        ambiguous: Callable[[ExchangeUnavailable], Awaitable[T]] | None = None,
        after_retry: Callable[[BrokerError], Awaitable[T | None]] | None = None,
    ) -> T:
        return await retrying(
            attempt,
            self._policy,
            self._sleep,
            lambda exc, delay: self._log_retry(operation, exc, delay),
            ambiguous=ambiguous,
            after_retry=after_retry,
        )

    def _log_retry(self, operation: str, exc: Exception, delay: float) -> None:
        log.warning(
            "%s %s: %s: %s; retrying in %.2fs",
            self._venue.exchange_id,
            operation,
            type(exc).__name__,
            self._redactor.clean(str(exc)),
            delay,
        )
