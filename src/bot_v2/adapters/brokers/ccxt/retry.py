"""Retrying transient broker failures: exponential backoff with jitter under a time budget.

Only `RateLimited` and `ExchangeUnavailable` are retried; every other error is an answer. Order
submission does not use `retrying` directly: it must look for the first attempt before a second
(see broker.py)."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import attrs

from bot_v2.domain.errors import ExchangeUnavailable, RateLimited

T = TypeVar("T")
RETRYABLE: tuple[type[Exception], ...] = (RateLimited, ExchangeUnavailable)
Sleep = Callable[[float], Awaitable[None]]


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


async def retrying(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    sleep: Sleep,
    on_retry: Callable[[Exception, float], None] | None = None,
) -> T:
    delays = policy.delays()
    while True:
        try:
            return await attempt()
        except RETRYABLE as exc:
            delay = next(delays, None)
            if delay is None:
                raise
            if on_retry is not None:
                on_retry(exc, delay)
            await sleep(delay)
