"""Retrying transient broker failures: exponential backoff with jitter under a time budget.

Only `RateLimited` and `ExchangeUnavailable` are retried; every other error is an answer, and a ban
(`VenueBanned`) is never retried. A rate limit's `Retry-After` is honoured up to
`max_retry_after_s`; a longer one is given up at once. `retrying` is the one retry loop of the
ccxt broker: order submission passes `ambiguous`, so an attempt whose outcome is unknown is
looked up instead of sent again, and cancels pass `after_retry`, so an answer that only makes sense
after a lost earlier attempt (order not found) is checked against the venue."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import attrs

from bot_v2.domain.errors import BrokerError, ExchangeUnavailable, RateLimited, VenueBanned

T = TypeVar("T")
RETRYABLE: tuple[type[Exception], ...] = (RateLimited, ExchangeUnavailable)
Sleep = Callable[[float], Awaitable[None]]
RETRY_AFTER_ATTR = "retry_after_s"


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ValueError(f"retry.{attribute.name} must be >= 0, got {value}")


@attrs.frozen
class RetryPolicy:
    """Delays grow base * multiplier**n, capped at max_delay; jitter scales each one by a factor
    drawn from [1 - jitter, 1] so many clients do not retry in step. The sleeps of one call never
    add up to more than budget_s. With a seed the delays are the same on every call."""

    max_attempts: int = 4
    base_delay_s: float = attrs.field(default=0.5, validator=_positive)
    max_delay_s: float = attrs.field(default=8.0, validator=_positive)
    multiplier: float = attrs.field(default=2.0, validator=_positive)
    jitter: float = attrs.field(default=0.5, validator=_positive)
    budget_s: float = attrs.field(default=20.0, validator=_positive)
    seed: int | None = None
    # The longest Retry-After a call waits out before retrying; a longer one fails the call.
    max_retry_after_s: float = attrs.field(default=30.0, validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"retry.max_attempts must be >= 1, got {self.max_attempts}")
        if self.jitter > 1:
            raise ValueError(f"retry.jitter must be <= 1, got {self.jitter}")

    def delays(self) -> Iterator[float]:
        """The sleeps before attempts 2, 3, ...; ends when attempts or budget run out."""
        rng = random.Random(self.seed)
        spent = 0.0
        for retry in range(self.max_attempts - 1):
            raw = min(self.max_delay_s, self.base_delay_s * self.multiplier**retry)
            delay = raw * (1.0 - self.jitter * rng.random())
            if spent + delay > self.budget_s:
                return
            spent += delay
            yield delay


def with_retry_after(exc: RateLimited, seconds: float) -> RateLimited:
    """Notes on a rate limit when the venue said to come back (HTTP Retry-After). An attribute,
    not a subclass: callers match the domain error's exact type."""
    setattr(exc, RETRY_AFTER_ATTR, seconds)
    return exc


def retry_after_of(exc: BaseException) -> float | None:
    value = getattr(exc, RETRY_AFTER_ATTR, None)
    return float(value) if value is not None else None


def _wait(exc: Exception, delays: Iterator[float], policy: RetryPolicy) -> float | None:
    """The sleep before the next attempt, or None when the call should give up."""
    backoff = next(delays, None)
    if backoff is None:
        return None
    retry_after = retry_after_of(exc)
    if retry_after is None:
        return backoff
    if retry_after > policy.max_retry_after_s:
        return None
    return max(backoff, retry_after)


async def retrying(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    sleep: Sleep,
    on_retry: Callable[[Exception, float], None] | None = None,
    *,
    ambiguous: Callable[[ExchangeUnavailable], Awaitable[T]] | None = None,
    after_retry: Callable[[BrokerError], Awaitable[T | None]] | None = None,
) -> T:
    """`ambiguous`: called (after one backoff) instead of a further attempt when an attempt's
    outcome is unknown (ExchangeUnavailable but not a rate limit); its answer or error is final.
    `after_retry`: called with an answer (a non-transient error) that came after a retry; its
    value, when not None, replaces the error."""
    delays = policy.delays()
    retried = False
    while True:
        try:
            return await attempt()
        except VenueBanned:
            raise
        except RETRYABLE as exc:
            unknown = ambiguous is not None and isinstance(exc, ExchangeUnavailable)
            delay = _wait(exc, delays, policy)
            if delay is None and not unknown:
                raise
            if delay is not None:
                if on_retry is not None:
                    on_retry(exc, delay)
                await sleep(delay)
            if unknown:
                assert ambiguous is not None and isinstance(exc, ExchangeUnavailable)
                return await ambiguous(exc)
            retried = True
        except BrokerError as exc:
            if not retried or after_retry is None:
                raise
            resolved = await after_retry(exc)
            if resolved is None:
                raise
            return resolved
