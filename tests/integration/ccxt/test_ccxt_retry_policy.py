"""RetryPolicy: bounded, jittered exponential backoff, deterministic when seeded."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.adapters.brokers.ccxt.retry import RetryPolicy, retrying
from bot_v2.domain.errors import ExchangeUnavailable, InvalidOrder, RateLimited

policies = st.builds(
    RetryPolicy,
    max_attempts=st.integers(1, 12),
    base_delay_s=st.floats(0, 5),
    max_delay_s=st.floats(0, 30),
    multiplier=st.floats(1, 4),
    jitter=st.floats(0, 1),
    budget_s=st.floats(0, 60),
    seed=st.integers(0, 2**32),
)


@given(policies)
def test_delays_respect_attempts_budget_cap_and_jitter(policy: RetryPolicy) -> None:
    delays = list(policy.delays())
    assert len(delays) <= policy.max_attempts - 1
    assert sum(delays) <= policy.budget_s + 1e-9
    for n, delay in enumerate(delays):
        raw = min(policy.max_delay_s, policy.base_delay_s * policy.multiplier**n)
        assert raw * (1 - policy.jitter) - 1e-9 <= delay <= raw + 1e-9


@given(policies)
def test_a_seeded_policy_repeats_its_delays(policy: RetryPolicy) -> None:
    assert list(policy.delays()) == list(policy.delays())


def test_unseeded_policies_jitter_differently() -> None:
    policy = RetryPolicy(max_attempts=6, jitter=1.0)
    assert len({tuple(policy.delays()) for _ in range(5)}) > 1


@pytest.mark.parametrize(
    "kwargs",
    [{"max_attempts": 0}, {"base_delay_s": -1.0}, {"jitter": 1.5}, {"budget_s": -0.1}],
)
def test_nonsense_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"^retry\."):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_retrying_retries_only_transient_errors() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def run() -> None:
        calls = {"n": 0}

        async def flaky() -> str:
            calls["n"] += 1
            if calls["n"] == 1:
                raise RateLimited("429")
            if calls["n"] == 2:
                raise ExchangeUnavailable("503")
            return "ok"

        assert await retrying(flaky, RetryPolicy(seed=1), sleep) == "ok"
        assert calls["n"] == 3

        async def refused() -> str:
            calls["n"] += 1
            raise InvalidOrder("no")

        with pytest.raises(InvalidOrder):
            await retrying(refused, RetryPolicy(seed=1), sleep)
        assert calls["n"] == 4

    asyncio.run(run())
    assert len(slept) == 2
