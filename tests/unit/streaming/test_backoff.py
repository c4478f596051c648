from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot_v2.features.streaming import Backoff


def test_delays_grow_exponentially_up_to_the_cap_without_jitter() -> None:
    backoff = Backoff(initial_s=0.5, max_s=4.0, multiplier=2.0, jitter=0.0)
    assert [backoff.next_delay() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_reset_starts_again_from_the_initial_delay() -> None:
    backoff = Backoff(initial_s=1.0, max_s=8.0, jitter=0.0)
    for _ in range(3):
        backoff.next_delay()
    assert backoff.attempts == 3
    backoff.reset()
    assert backoff.attempts == 0 and backoff.next_delay() == 1.0


def test_the_same_seed_gives_the_same_jittered_delays() -> None:
    first = Backoff(seed=42)
    second = Backoff(seed=42)
    other = Backoff(seed=43)
    a = [first.next_delay() for _ in range(8)]
    assert a == [second.next_delay() for _ in range(8)]
    assert a != [other.next_delay() for _ in range(8)]


@given(
    initial=st.floats(0.001, 10),
    factor=st.floats(1, 100),
    multiplier=st.floats(1, 5),
    jitter=st.floats(0, 1),
    seed=st.integers(0, 2**32),
    attempts=st.integers(1, 2000),
)
def test_every_delay_stays_within_the_jitter_band_and_never_exceeds_the_cap(
    initial: float, factor: float, multiplier: float, jitter: float, seed: int, attempts: int
) -> None:
    cap = initial * factor
    backoff = Backoff(initial, cap, multiplier, jitter, seed)
    for n in range(min(attempts, 200)):
        base = min(cap, initial * multiplier ** min(n, 64))
        delay = backoff.next_delay()
        assert base * (1 - jitter) - 1e-12 <= delay <= base + 1e-12
        assert 0 < delay <= cap + 1e-12


@pytest.mark.parametrize(
    "kwargs",
    [
        {"initial_s": 0},
        {"initial_s": 2, "max_s": 1},
        {"multiplier": 0.5},
        {"jitter": 1.5},
    ],
)
def test_nonsense_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)  # type: ignore[arg-type]
