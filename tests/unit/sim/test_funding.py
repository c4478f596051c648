"""Funding on the simulated exchange: settled at each timestamp of the series (any interval, changing
over time), on the position held at that instant, valued at the mark then; longs pay positive rates."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.adapters.replay.csv_files import MarkPoint
from bot_v2.domain.orders import Side
from tests.unit.sim._support import NO_COSTS, SYMBOL, T0, H, bars, exchange, feed, limit, market

PRICES = [100.0 + i for i in range(30)]


def test_longs_pay_a_positive_rate_and_shorts_receive_it() -> None:
    funding = [(T0 + 4 * H, "0.001")]
    long_ex = exchange(feed(bars(PRICES), funding), NO_COSTS)
    long_ex.submit(market("l", Side.BUY, "2"), T0 + H)
    short_ex = exchange(feed(bars(PRICES), funding), NO_COSTS)
    short_ex.submit(market("s", Side.SELL, "2"), T0 + H)
    long_ex.advance(T0 + 5 * H)
    short_ex.advance(T0 + 5 * H)
    # The mark at 04:00 without a mark series: the close of the candle that closed then (103).
    assert [p.amount for p in long_ex.funding_since([SYMBOL], 0)] == [Decimal("-0.206")]
    assert [p.amount for p in short_ex.funding_since([SYMBOL], 0)] == [Decimal("0.206")]
    assert long_ex.state.wallet == Decimal(10000) - Decimal("0.206")


def test_added_size_is_never_charged_for_the_time_before_it_existed() -> None:
    funding = [(T0 + 4 * H, "0.001"), (T0 + 8 * H, "0.001")]
    ex = exchange(feed(bars(PRICES), funding), NO_COSTS)
    ex.submit(market("a", Side.BUY, "1"), T0 + H)
    ex.submit(market("b", Side.BUY, "1"), T0 + 5 * H)  # mid-period, after the 04:00 settlement
    ex.submit(market("c", Side.BUY, "1"), T0 + 8 * H)  # exactly at 08:00: after it settled
    ex.advance(T0 + 9 * H)
    paid = ex.funding_since([SYMBOL], 0)
    assert [(p.timestamp_ms, p.position_size) for p in paid] == [(T0 + 4 * H, 1), (T0 + 8 * H, 2)]


def test_the_interval_comes_from_the_data_and_may_change() -> None:
    # 1h, then 4h, then 8h apart.
    times = [T0 + 2 * H, T0 + 3 * H, T0 + 7 * H, T0 + 15 * H, T0 + 23 * H]
    ex = exchange(feed(bars(PRICES), [(t, "0.0001") for t in times]), NO_COSTS)
    ex.submit(market("a", Side.BUY, "1"), T0 + H)
    ex.advance(T0 + 29 * H)
    assert [p.timestamp_ms for p in ex.funding_since([SYMBOL], 0)] == times


def test_the_mark_series_values_funding_when_there_is_one() -> None:
    marks = [MarkPoint(T0 + i * H, Decimal(200 + i), Decimal(201 + i)) for i in range(30)]
    ex = exchange(feed(bars(PRICES), [(T0 + 4 * H, "0.001")], marks), NO_COSTS)
    ex.submit(market("a", Side.BUY, "1"), T0 + H)
    ex.advance(T0 + 5 * H)
    (payment,) = ex.funding_since([SYMBOL], 0)
    # The open of the mark candle starting at the settlement.
    assert payment.mark_price == Decimal(204) and payment.amount == Decimal("-0.204")


def test_flat_accounts_pay_nothing_and_catching_up_in_steps_changes_nothing() -> None:
    funding = [(T0 + k * H, "0.0003") for k in range(2, 30, 3)]

    def run(step: int) -> list[tuple[int, Decimal, Decimal]]:
        ex = exchange(feed(bars(PRICES), funding), NO_COSTS)
        ex.advance(T0)
        ex.submit(market("a", Side.BUY, "1"), T0 + 6 * H)
        ex.submit(market("b", Side.SELL, "1"), T0 + 18 * H)
        ex.submit(market("c", Side.SELL, "1"), T0 + 21 * H)
        for t in range(T0 + 21 * H, T0 + 30 * H + 1, step * H):
            ex.advance(t)
        ex.advance(T0 + 30 * H)
        return [(p.timestamp_ms, p.position_size, p.amount) for p in ex.funding_since([SYMBOL], 0)]

    paid = run(1)
    assert paid[0][0] == T0 + 8 * H  # nothing while flat before 06:00
    assert run(1) == run(4) == run(9)


def test_funding_due_when_a_resting_order_fills_settles_after_the_fill() -> None:
    rows = [(100.0, 101.0, 99.0, 100.0)] * 10
    rows[3] = (100.0, 101.0, 90.0, 100.0)  # closes at 04:00, trades through the bid at 95
    ex = exchange(feed(bars(rows), [(T0 + 4 * H, "0.001")]), NO_COSTS)
    ex.submit(market("a", Side.BUY, "2"), T0 + H)
    ex.submit(limit("b", Side.BUY, "1", "95"), T0 + H)
    ex.advance(T0 + 6 * H)
    assert [f.timestamp_ms for f in ex.fills_since([SYMBOL], 0)] == [T0 + H, T0 + 4 * H]
    paid = ex.funding_since([SYMBOL], 0)
    # Once, on the 3 held after the candle that closed at 04:00 filled the bid.
    assert [(p.timestamp_ms, p.position_size) for p in paid] == [(T0 + 4 * H, Decimal(3))]
