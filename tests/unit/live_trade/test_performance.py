from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot_v2.domain.fills import Fill
from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.performance import DrawdownTracker, format_summary, summarize

D = Decimal
BTC = "BTC/USDT:USDT"


def test_drawdown_tracks_the_worst_fall_from_a_peak() -> None:
    tracker = DrawdownTracker()
    for equity in ("100", "120", "90", "130", "117", "125"):
        tracker.update(D(equity))
    assert tracker.peak == D(130)
    assert tracker.max_drawdown_abs == D(30)
    assert tracker.max_drawdown == D("0.25")


def test_drawdown_is_zero_when_equity_only_rises() -> None:
    tracker = DrawdownTracker()
    for equity in range(1, 10):
        tracker.update(D(equity))
    assert (tracker.max_drawdown, tracker.max_drawdown_abs, tracker.peak) == (D(0), D(0), D(9))


@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=100))
def test_drawdown_matches_a_direct_computation(values: list[int]) -> None:
    tracker = DrawdownTracker()
    for v in values:
        tracker.update(D(v))
    worst_abs = max(max(values[: i + 1]) - v for i, v in enumerate(values))
    worst = max(D(max(values[: i + 1]) - v) / max(values[: i + 1]) for i, v in enumerate(values))
    assert tracker.max_drawdown_abs == worst_abs
    assert tracker.max_drawdown == worst
    assert 0 <= tracker.max_drawdown <= 1


@given(st.lists(st.decimals(-1000, 1000, places=2), min_size=1, max_size=60))
def test_drawdown_matches_a_direct_computation_through_losses_below_zero(
    values: list[Decimal],
) -> None:
    tracker = DrawdownTracker()
    for v in values:
        tracker.update(v)
    peaks = [max(values[: i + 1]) for i in range(len(values))]
    drops = [p - v for p, v in zip(peaks, values, strict=True)]
    fractions = [min(d / p, D(1)) for p, d in zip(peaks, drops, strict=True) if p > 0]
    assert tracker.max_drawdown_abs == max(drops)
    assert tracker.max_drawdown == max(fractions, default=D(0))


def test_summary_counts_wins_by_net_and_formats_a_table() -> None:
    ledger = Ledger(D(1000))
    fills = [
        (Side.BUY, "100", "0.1"),
        (Side.SELL, "110", "0.1"),  # +10 - 0.2: win
        (Side.BUY, "100", "0.1"),
        (Side.SELL, "100.1", "0.1"),  # +0.1 - 0.2: a loss after fees
    ]
    for i, (side, price, fee) in enumerate(fills):
        ledger.apply_fill(Fill(str(i), "c", "x", BTC, side, D(1), D(price), D(fee), i))
    tracker = DrawdownTracker()
    for equity in ("1000", "1009.8", "1009.7"):
        tracker.update(D(equity))
    summary = summarize(ledger, D(1000), ledger.cash, tracker)
    assert (summary.trades, summary.wins, summary.win_rate) == (2, 1, D("0.5"))
    assert summary.realized_pnl == D("10.1")
    assert summary.fees == D("0.4")
    assert summary.final_equity == D("1009.7")
    assert summary.return_pct == D("0.97")
    table = format_summary(summary)
    lines = table.splitlines()
    assert lines[0].split() == ["trades", "2"]
    assert "wins" in lines[1] and "50.00%" in lines[1]
    assert lines[-1].split() == ["return", "0.97%"]
    assert len({len(line) for line in lines}) == 1  # aligned


def test_summary_of_an_idle_run() -> None:
    summary = summarize(Ledger(D(500)), D(500), D(500), DrawdownTracker())
    assert (summary.trades, summary.win_rate, summary.return_pct) == (0, D(0), D(0))
    assert "trades" in format_summary(summary)
