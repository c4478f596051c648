from __future__ import annotations

import pytest

from bot_v2.features.streaming import StallDetector


def test_stalled_only_after_a_full_heartbeat_without_new_data() -> None:
    detector = StallDetector(heartbeat_s=10)
    detector.reset(count=5, now=100.0)
    assert not detector.stalled(5, 109.9)
    assert detector.stalled(5, 110.0)


def test_any_new_message_restarts_the_heartbeat() -> None:
    detector = StallDetector(heartbeat_s=10)
    detector.reset(count=0, now=0.0)
    assert not detector.stalled(1, 9.0)  # a message arrived since the last look
    assert not detector.stalled(1, 18.0)
    assert detector.stalled(1, 19.0)
    assert detector.silent_for(1, 19.5) == 10.5


def test_heartbeat_must_be_positive() -> None:
    with pytest.raises(ValueError):
        StallDetector(0)
