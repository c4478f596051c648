"""Bot-side exits: the time exit and the end-of-day flatten fire once per position."""

from __future__ import annotations

import pytest

from bot_v2.features.live_trade.exits.plan import open_exit_state
from bot_v2.features.live_trade.exits.settings import ExitSettings, next_flatten_ms
from bot_v2.features.live_trade.exits.values import ExitKind

from ._exit_support import HOUR_MS, MARKET, D, long, step

DAY_MS = 24 * HOUR_MS
# 2024-01-02 00:00 UTC.
MIDNIGHT = 1_704_153_600_000


def test_the_time_exit_fires_at_the_maximum_holding_time_once() -> None:
    settings = ExitSettings(max_holding_s=D(7200))
    state = open_exit_state(settings, long(), MARKET, None, 1_000)
    state, plan = step(settings, state, long(), "100", now_ms=1_000 + 2 * HOUR_MS - 1)
    assert plan.close_now is None
    state, plan = step(settings, state, long(), "100", now_ms=1_000 + 2 * HOUR_MS)
    assert plan.close_now is ExitKind.TIME and state.closing is ExitKind.TIME
    state, plan = step(settings, state, long(), "100", now_ms=1_000 + 3 * HOUR_MS)
    assert plan.close_now is None
    assert plan.stop_price == D("96.0")  # the stop stays while the close is under way


def test_end_of_day_flattens_at_the_first_such_time_after_opening_once() -> None:
    settings = ExitSettings(flatten_at_utc="21:30")
    opened_at = MIDNIGHT + 22 * HOUR_MS  # after today's 21:30: flattened tomorrow
    state = open_exit_state(settings, long(), MARKET, None, opened_at)
    due = MIDNIGHT + DAY_MS + 21 * HOUR_MS + 30 * 60_000
    state, plan = step(settings, state, long(), "100", now_ms=due - 1)
    assert plan.close_now is None
    state, plan = step(settings, state, long(), "100", now_ms=due + 5)
    assert plan.close_now is ExitKind.END_OF_DAY
    state, plan = step(settings, state, long(), "100", now_ms=due + DAY_MS)
    assert plan.close_now is None


def test_the_earlier_of_time_and_end_of_day_names_the_exit() -> None:
    settings = ExitSettings(max_holding_s=D(3600), flatten_at_utc="00:30")
    state = open_exit_state(settings, long(), MARKET, None, MIDNIGHT)
    _, plan = step(settings, state, long(), "100", now_ms=MIDNIGHT + 2 * HOUR_MS)
    assert plan.close_now is ExitKind.END_OF_DAY


@pytest.mark.parametrize(
    ("after", "minute", "expected"),
    [
        (MIDNIGHT, 0, MIDNIGHT + DAY_MS),  # exactly at the time: the next day's
        (MIDNIGHT - 1, 0, MIDNIGHT),
        (MIDNIGHT + 10 * HOUR_MS, 9 * 60, MIDNIGHT + DAY_MS + 9 * HOUR_MS),
        (MIDNIGHT + 8 * HOUR_MS, 23 * 60 + 59, MIDNIGHT + 23 * HOUR_MS + 59 * 60_000),
    ],
)
def test_next_flatten_is_strictly_after(after: int, minute: int, expected: int) -> None:
    assert next_flatten_ms(after, minute) == expected


@pytest.mark.parametrize("text", ["24:00", "9:30", "12:60", "noon", "12:00:00", " 12:00"])
def test_a_flatten_time_that_is_not_hh_mm_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        ExitSettings(flatten_at_utc=text)
