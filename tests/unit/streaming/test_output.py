from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.market import Candle, Mark
from bot_v2.features.streaming import StreamOutput, coalesce_marks, forward_only
from bot_v2.ports.quote_stream import MarketEvent

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


def mark(symbol: str, ts: int) -> Mark:
    return Mark(symbol, Decimal(ts + 1), ts)


def candle(ts: int) -> Candle:
    one = Decimal(1)
    return Candle(BTC, 60_000, ts, one, one, one, one, one)


def test_coalescing_keeps_candles_and_the_last_mark_per_symbol_in_arrival_order() -> None:
    events: list[MarketEvent] = [
        mark(BTC, 1),
        mark(ETH, 1),
        candle(0),
        mark(BTC, 2),
        mark(BTC, 3),
        candle(60_000),
    ]
    assert coalesce_marks(events) == [mark(ETH, 1), candle(0), mark(BTC, 3), candle(60_000)]


def test_forward_only_drops_marks_older_than_what_was_passed_on() -> None:
    high_water = {BTC: 5}
    events: list[MarketEvent] = [mark(BTC, 4), mark(BTC, 5), mark(ETH, 9), mark(ETH, 7), candle(0)]
    assert forward_only(events, high_water) == [mark(BTC, 5), mark(ETH, 9), candle(0)]
    assert high_water == {BTC: 5, ETH: 9}


def test_add_mark_records_the_latest_and_counts_the_event() -> None:
    output = StreamOutput()
    output.add_mark(mark(BTC, 1))
    output.add_mark(mark(BTC, 2))
    assert output.latest_marks == {BTC: mark(BTC, 2)}
    assert output.counters.events == 2 and len(output.market) == 2


events_strategy = st.lists(
    st.one_of(
        st.builds(mark, st.sampled_from([BTC, ETH]), st.integers(0, 20)),
        st.builds(candle, st.integers(0, 5).map(lambda n: n * 60_000)),
    ),
    max_size=40,
)


@given(events_strategy)
def test_coalesced_output_is_a_subsequence_with_every_candle_and_each_symbols_last_mark(
    events: list[MarketEvent],
) -> None:
    kept = coalesce_marks(events)
    iterator = iter(events)
    assert all(any(e is k for e in iterator) for k in kept)  # subsequence, same order
    assert [e for e in kept if type(e) is Candle] == [e for e in events if type(e) is Candle]
    last = {e.symbol: e for e in events if type(e) is Mark}
    assert {e.symbol: e for e in kept if type(e) is Mark} == last
