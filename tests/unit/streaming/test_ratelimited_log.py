from __future__ import annotations

import logging

import pytest

from bot_v2.features.streaming import RateLimitedLog


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_one_line_per_key_per_interval_then_a_count_of_the_suppressed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    log = RateLimitedLog(logging.getLogger("test.ratelimited"), interval_s=10, clock=clock)
    with caplog.at_level(logging.WARNING, logger="test.ratelimited"):
        assert log.warning("bad", "bad frame %d", 1)
        assert not log.warning("bad", "bad frame %d", 2)
        assert not log.warning("bad", "bad frame %d", 3)
        assert log.warning("other", "other key")
        clock.now = 10.0
        assert log.warning("bad", "bad frame %d", 4)
    assert [r.getMessage() for r in caplog.records] == [
        "bad frame 1",
        "other key",
        "bad frame 4 (2 similar suppressed)",
    ]
