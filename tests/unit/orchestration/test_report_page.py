"""The parts of report.html computed in Python: the resample ladder (each level's candle is the
aggregate of the base candles in its bucket, the indicator takes its bucket's last value, a year
of minutes stays within the page's budget), each trade's exit kind from the journal, the monthly
returns and the per-slot rows."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.domain.fills import Fill
from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.accounting import ClosedTrade
from bot_v2.features.live_trade.strategies.plots import Average, Channel, Line
from bot_v2.orchestration.backtest.page.ladder import (
    FINEST_BARS,
    finest_bars,
    label,
    ladder,
    resample,
)
from bot_v2.orchestration.backtest.page.monthly import monthly_returns, yearly
from bot_v2.orchestration.backtest.page.render import script_json
from bot_v2.orchestration.backtest.page.slots import ReportSlot, slot_rows, slots_of
from bot_v2.orchestration.backtest.page.trades import trade_rows
from bot_v2.orchestration.config import load_config

MIN = 60_000
HOUR = 60 * MIN
DAY = 24 * HOUR


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=200),
    st.sampled_from([5 * MIN, 15 * MIN, HOUR]),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_a_level_candle_aggregates_its_buckets_base_candles(
    skips: list[int], step: int, seed: int
) -> None:
    # Minutes with holes (a skip of k leaves k missing minutes): buckets may be partial or absent.
    open_ms = np.cumsum(np.asarray([s + 1 for s in skips])) * MIN + 1_700_000_000_000 // step * step
    n = len(open_ms)
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(size=n))
    open_ = close + rng.normal(size=n) * 0.1
    high = np.maximum(open_, close) + rng.random(n)
    low = np.minimum(open_, close) - rng.random(n)
    line = rng.normal(size=n)
    level = resample(step, open_ms, open_, high, low, close, [line])
    buckets = sorted(set((open_ms // step).tolist()))
    assert (level.open_ms // step).tolist() == buckets and len(level) == len(buckets)
    for k, b in enumerate(buckets):
        inside = np.flatnonzero(open_ms // step == b)
        assert level.open[k] == open_[inside[0]] and level.close[k] == close[inside[-1]]
        assert level.high[k] == high[inside].max() and level.low[k] == low[inside].min()
        assert level.lines[0][k] == line[inside[-1]]


def test_a_year_of_minutes_keeps_15m_and_coarser_within_the_budget() -> None:
    n = 366 * 1440
    open_ms = np.arange(n, dtype=np.int64) * MIN + 1_704_067_200_000  # 2024-01-01
    close = np.linspace(40_000, 90_000, n)
    levels = ladder(MIN, open_ms, close, close + 5, close - 5, close, [Line("SMA 3", close)])
    assert [label(lv.step_ms) for lv in levels] == ["15m", "1h", "4h", "1d"]
    assert len(levels[0]) == 366 * 96 <= FINEST_BARS and len(levels[-1]) == 366
    assert all(len(lv.lines) == 1 for lv in levels)


def test_many_symbols_share_the_pages_budget() -> None:
    assert finest_bars(1) == finest_bars(2) == FINEST_BARS
    assert finest_bars(4) == 20_000 and finest_bars(10) == 8_000 and finest_bars(1000) == 400
    n = 366 * 1440
    open_ms = np.arange(n, dtype=np.int64) * MIN + 1_704_067_200_000
    close = np.ones(n)
    levels = ladder(MIN, open_ms, close, close, close, close, (), finest_bars(10))
    assert [label(lv.step_ms) for lv in levels] == ["4h", "1d"]


def test_a_short_run_keeps_its_own_candles() -> None:
    open_ms = np.arange(3 * 24, dtype=np.int64) * HOUR
    close = np.arange(3 * 24, dtype=np.float64) + 1
    # Three days of hours fit on screen: no coarser level is needed.
    levels = ladder(HOUR, open_ms, close, close, close, close)
    assert [label(lv.step_ms) for lv in levels] == ["1h"]
    assert levels[0].close.tolist() == close.tolist()
    # A quarter of hours adds coarser levels up to one that fits on screen.
    quarter = np.arange(91 * 24, dtype=np.int64) * HOUR
    values = np.ones(len(quarter))
    levels = ladder(HOUR, quarter, values, values, values, values)
    assert [len(lv) for lv in levels] == [91 * 24, 91 * 6, 91]


def fill(coid: str, ts: int, side: Side = Side.SELL, liquidation: bool = False) -> Fill:
    return Fill(
        fill_id=f"f-{coid}-{ts}",
        client_order_id=coid,
        exchange_order_id=f"x-{coid}",
        symbol="BTC/USDT:USDT",
        side=side,
        size=Decimal(1),
        price=Decimal(100),
        fee=Decimal(0),
        timestamp_ms=ts,
        liquidation=liquidation,
    )


def trade(opened: int, closed: int, net: str = "1", symbol: str = "BTC/USDT:USDT") -> ClosedTrade:
    return ClosedTrade(
        symbol=symbol,
        side=Side.BUY,
        size=Decimal(1),
        entry_price=Decimal(100),
        exit_price=Decimal(101),
        opened_ms=opened,
        closed_ms=closed,
        pnl=Decimal(net),
        fees=Decimal(0),
        funding=Decimal(0),
    )


def test_each_trade_is_named_by_the_exit_that_closed_it() -> None:
    events = [
        (10, "exit", "stop_loss BTC/USDT:USDT: stop_loss filled sell 1 at 99 (bot-BTC-7)"),
        (20, "exit_close", "time BTC/USDT:USDT: sell 1: sent as bot-BTC-9"),
        (20, "exit", "time BTC/USDT:USDT: closed by the bot"),
        (25, "risk_rejected", "BTC/USDT:USDT: reduce only (bot-BTC-11)"),
    ]
    fills = [
        fill("bot-BTC-1", 5, Side.BUY),
        fill("bot-BTC-7", 10),
        fill("bot-BTC-9", 20),
        fill("bot-BTC-11", 30),
        fill("venue-liq", 40, liquidation=True),
    ]
    trades = [trade(5, 10), trade(12, 20), trade(22, 30), trade(35, 40)]
    rows = trade_rows(trades, fills, events, {"BTC/USDT:USDT": "main"})
    assert [r.exit_kind for r in rows] == ["stop_loss", "time", "signal", "liquidation"]
    assert {r.slot for r in rows} == {"main"}


def test_monthly_returns_chain_month_ends_from_the_initial_equity() -> None:
    jan, feb, mar = 1_704_067_200_000, 1_706_745_600_000, 1_709_251_200_000
    times = np.asarray([jan, jan + DAY, feb, feb + DAY, mar + DAY], dtype=np.int64)
    equity = np.asarray([1000.0, 1100.0, 1000.0, 1210.0, 1089.0])
    by_year = monthly_returns(times, equity, 1000.0)
    assert by_year.keys() == {2024} and by_year[2024].keys() == {1, 2, 3}
    assert (
        abs(by_year[2024][1] - 0.1) < 1e-12
        and abs(by_year[2024][2] - 0.1) < 1e-12
        and abs(by_year[2024][3] + 0.1) < 1e-12
    )
    # The year compounds its months: 1000 -> 1089.
    assert abs(yearly(by_year[2024]) - 0.089) < 1e-12
    assert monthly_returns(np.zeros(0, dtype=np.int64), np.zeros(0), 1.0) == {}


def test_slot_rows_count_their_own_symbols_trades_and_time_in_market() -> None:
    slots = [
        ReportSlot("trend", "baseline", ("BTC/USDT:USDT",)),
        ReportSlot("other", "momentum", ("ETH/USDT:USDT",)),
    ]
    trades = [
        trade(0, 40, "5"),
        trade(20, 60, "-2"),  # overlaps the first: time in market counted once
        trade(0, 10, "1", symbol="ETH/USDT:USDT"),
    ]
    trend, other = slot_rows(slots, trades, 0, 100)
    assert (trend.trades, trend.wins, trend.net_pnl) == (2, 1, Decimal(3))
    assert trend.exposure == 0.6 and other.exposure == 0.1
    assert (other.trades, other.wins) == (1, 1)


def test_the_pages_data_cannot_end_its_script_element() -> None:
    # A user strategy's plot label travels in the page's JSON, inside <script>.
    text = script_json({"lines": ["</script><script>alert(1)</script>"]})
    assert "</" not in text and json.loads(text) == {
        "lines": ["</script><script>alert(1)</script>"]
    }


def test_each_strategies_slot_is_a_report_slot_with_its_own_plots(tmp_path: Path) -> None:
    path = tmp_path / "slots.toml"
    path.write_text(
        '[bot]\nsymbols = ["BTC/USDT:USDT", "ETH/USDT:USDT"]\ntimeframe = "1h"\n'
        '[[strategies]]\nname = "baseline"\nlabel = "trend"\nsymbols = ["BTC/USDT:USDT"]\n'
        "allocation = 0.5\n[strategies.params]\nshort_window = 5\nlong_window = 20\n"
        '[[strategies]]\nname = "breakout"\nsymbols = ["ETH/USDT:USDT"]\nallocation = 0.5\n',
        encoding="utf-8",
    )
    config = load_config("dev", path, {}, []).config
    trend, breakout = slots_of(config, ["BTC/USDT:USDT", "ETH/USDT:USDT"])
    assert (trend.label, trend.strategy, trend.symbols) == ("trend", "baseline", ("BTC/USDT:USDT",))
    assert trend.plots == (Average(5), Average(20))
    assert (breakout.label, breakout.symbols) == ("breakout", ("ETH/USDT:USDT",))
    assert breakout.plots == (Channel(20, prior=True),)


def test_one_strategy_is_one_slot_over_every_symbol() -> None:
    config = load_config("dev", None, {}, ['strategy.name="momentum"']).config
    (only,) = slots_of(config, ["BTC/USDT:USDT", "ETH/USDT:USDT"])
    assert (only.label, only.strategy) == ("momentum", "momentum")
    assert only.symbols == ("BTC/USDT:USDT", "ETH/USDT:USDT") and len(only.plots) == 1
