"""Reconnect delays: exponential growth, capped, with jitter so many bots do not reconnect in step."""

from __future__ import annotations

import random


class Backoff:
    """Delay n (from 0) is `min(max_s, initial_s * multiplier**n)` scaled down by a random share of at
    most `jitter`. A seed makes the sequence repeatable in tests."""

    def __init__(
        self,
        initial_s: float = 0.5,
        max_s: float = 30.0,
        multiplier: float = 2.0,
        jitter: float = 0.5,
        seed: int | None = None,
    ) -> None:
        if initial_s <= 0 or max_s < initial_s:
            raise ValueError(f"backoff needs 0 < initial_s <= max_s, got {initial_s}, {max_s}")
        if multiplier < 1:
            raise ValueError(f"backoff multiplier must be >= 1, got {multiplier}")
        if not 0 <= jitter <= 1:
            raise ValueError(f"backoff jitter must be within 0..1, got {jitter}")
        self._initial = initial_s
        self._max = max_s
        self._multiplier = multiplier
        self._jitter = jitter
        self._rng = random.Random(seed)
        self._attempts = 0

    @property
    def attempts(self) -> int:
        return self._attempts

    def next_delay(self) -> float:
        # Cap the exponent too: multiplier**attempts overflows a float after ~1000 attempts.
        exponent = min(self._attempts, 64)
        base = min(self._max, self._initial * self._multiplier**exponent)
        self._attempts += 1
        return base * (1.0 - self._jitter * self._rng.random())

    def reset(self) -> None:
        self._attempts = 0
