from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.market import Candle, Gap
from bot_v2.features.streaming import (
    ClosedCandleTracker,
    RecentKeys,
    SequenceTracker,
    StreamCounters,
)

MINUTE = 60_000


def candle(open_ms: int, symbol: str = "BTC/USDT:USDT") -> Candle:
    one = Decimal(1)
    return Candle(symbol, MINUTE, open_ms, one, one, one, one, one)


def test_sequence_rejects_duplicates_and_older_values_and_counts_them() -> None:
    counters = StreamCounters()
    tracker = SequenceTracker(counters)
    verdicts = [tracker.accept("BTC", u) for u in (10, 12, 12, 11, 13)]
    assert verdicts == [True, True, False, False, True]
    assert (counters.duplicates, counters.out_of_order, counters.gaps) == (1, 1, 0)
    assert tracker.last("BTC") == 13 and tracker.last("ETH") is None


def test_keys_are_independent() -> None:
    tracker = SequenceTracker(StreamCounters())
    assert tracker.accept("BTC", 100)
    assert tracker.accept("ETH", 5)


def test_a_jump_beyond_max_step_is_accepted_and_counted_as_a_gap() -> None:
    counters = StreamCounters()
    tracker = SequenceTracker(counters, max_step=3_000)
    assert all(tracker.accept("BTC", t) for t in (1_000, 2_000, 5_000, 9_000))
    assert counters.gaps == 1


@given(st.lists(st.integers(0, 50), max_size=60))
def test_accepted_values_strictly_increase_and_every_value_is_classified_once(
    values: list[int],
) -> None:
    counters = StreamCounters()
    tracker = SequenceTracker(counters)
    accepted = [v for v in values if tracker.accept("k", v)]
    assert accepted == sorted(set(accepted))
    assert len(accepted) + counters.duplicates + counters.out_of_order == len(values)
    if values:
        assert accepted[-1] == max(values)


def test_closed_candles_pass_once_in_order_and_holes_become_gaps() -> None:
    counters = StreamCounters()
    tracker = ClosedCandleTracker(counters)
    opens = [0, MINUTE, MINUTE, 0, 4 * MINUTE, 5 * MINUTE]
    assert [tracker.accept(candle(t)) for t in opens] == [True, True, False, False, True, True]
    assert (counters.duplicates, counters.out_of_order, counters.gaps) == (1, 1, 1)
    assert tracker.last_gap == Gap("BTC/USDT:USDT", MINUTE, MINUTE, 4 * MINUTE)
    assert tracker.last_gap.missing == 2


def test_recent_keys_remember_a_bounded_window() -> None:
    keys = RecentKeys(capacity=4)
    assert keys.first_time("a") and not keys.first_time("a")
    for key in "bcdef":
        assert keys.first_time(key)
    # The oldest half was forgotten once the window overflowed; the newest are still known.
    assert not keys.first_time("f") and not keys.first_time("e")
    assert keys.first_time("a")
