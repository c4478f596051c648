"""funding_carry's rules on synthetic candles and funding: it shorts extreme positive funding and
longs extreme negative funding unless the trend is strongly against it, exits when funding
normalises, and reads funding only through its view, which ends at the cycle's time."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.domain.market import Candle
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.strategies.funding_carry import (
    FundingCarryParams,
    FundingCarryStrategy,
)
from bot_v2.features.live_trade.strategies.funding_carry.strategy import decision
from bot_v2.features.live_trade.strategies.plots import Average
from bot_v2.features.live_trade.strategies.portfolio import (
    FundingSample,
    HistoryView,
    ReadAhead,
    Slot,
    StrategyBook,
)
from bot_v2.features.live_trade.strategies.registry import build_strategy
from bot_v2.features.live_trade.strategy_orchestrator import StrategyOrchestrator

A = "BTC/USDT:USDT"
TF = 3_600_000

# Rates in basis points (0.0001 each), as exact decimals.
bps = st.integers(-50, 50).map(lambda n: Decimal(n) / 10_000)
closes = st.lists(st.integers(50, 150).map(float), min_size=1, max_size=60)


def candle(i: int, close: float) -> Candle:
    price = Decimal(repr(close))
    return Candle(A, TF, i * TF, price, price, price, price, Decimal(1))


def held(side: Side | None) -> Position:
    size = {Side.BUY: Decimal(1), Side.SELL: Decimal(-1), None: Decimal(0)}[side]
    return Position(A, size, Decimal(100))


@st.composite
def ordered_params(draw: st.DrawFn) -> FundingCarryParams:
    four = sorted(draw(st.lists(bps, min_size=4, max_size=4)))
    if four[0] == four[3]:
        four[3] += Decimal("0.0001")
    return FundingCarryParams(
        funding_window=draw(st.integers(1, 10)),
        lower=four[0],
        exit_lower=four[1],
        exit_upper=four[2],
        upper=four[3],
        trend_window=draw(st.integers(2, 30)),
        trend_band=draw(st.sampled_from([Decimal(0), Decimal("0.05"), Decimal("0.2")])),
        allow_shorts=draw(st.booleans()),
    )


@given(st.lists(bps, min_size=4, max_size=4))
def test_params_refuse_thresholds_out_of_order(four: list[Decimal]) -> None:
    lower, exit_lower, exit_upper, upper = four
    ordered = lower <= exit_lower <= exit_upper <= upper and lower < upper
    build = lambda: FundingCarryParams(  # noqa: E731
        lower=lower, exit_lower=exit_lower, exit_upper=exit_upper, upper=upper
    )
    if ordered:
        assert build().upper == upper
    else:
        with pytest.raises(ValueError, match="must be"):
            build()


@given(ordered_params(), bps, st.floats(50, 150), st.floats(50, 150))
def test_flat_enters_against_extreme_funding_unless_the_trend_is_strongly_against(
    params: FundingCarryParams, mean_d: Decimal, close: float, sma: float
) -> None:
    mean = float(mean_d)
    band = float(params.trend_band)
    action = decision(params, mean, close, sma, None)
    if action is Action.OPEN_SHORT:
        assert params.allow_shorts and mean >= float(params.upper)
        assert close <= sma * (1 + band)
    elif action is Action.OPEN_LONG:
        assert mean <= float(params.lower) and close >= sma * (1 - band)
    else:
        assert action is Action.HOLD
        assert not (
            params.allow_shorts and mean >= float(params.upper) and close <= sma * (1 + band)
        )
        assert not (mean <= float(params.lower) and close >= sma * (1 - band))


@given(ordered_params(), bps, st.floats(50, 150), st.floats(50, 150))
def test_a_position_closes_exactly_when_funding_normalises(
    params: FundingCarryParams, mean_d: Decimal, close: float, sma: float
) -> None:
    mean = float(mean_d)
    short = decision(params, mean, close, sma, Side.SELL)
    long = decision(params, mean, close, sma, Side.BUY)
    assert (short is Action.CLOSE) == (mean <= float(params.exit_upper))
    assert (long is Action.CLOSE) == (mean >= float(params.exit_lower))
    assert short in (Action.CLOSE, Action.HOLD) and long in (Action.CLOSE, Action.HOLD)


@settings(max_examples=60)
@given(
    ordered_params(),
    closes,
    st.lists(bps, min_size=0, max_size=40),
    st.sampled_from([None, Side.BUY, Side.SELL]),
)
def test_decide_applies_the_rule_to_the_views_means(
    params: FundingCarryParams, prices: list[float], rates: list[Decimal], side: Side | None
) -> None:
    strategy = FundingCarryStrategy(params)
    view = HistoryView([A], strategy.warmup_candles() + 2, strategy.funding_samples())
    rate_at = len(prices) - len(rates)  # the rates arrive with the last candles
    for i, price in enumerate(prices):
        view.record([candle(i, price)], (i + 1) * TF)
        if i >= rate_at:
            view.record_funding({A: rates[i - rate_at]}, (i + 1) * TF)
    signals = strategy.decide(view, {A: held(side)})
    got = signals[0].action if signals else Action.HOLD
    k, n = params.funding_window, params.trend_window
    held_rates = rates[-len(prices) :] if prices else []
    if len(held_rates) < k or (side is None and len(prices) < n):
        assert got is Action.HOLD
        return
    mean = sum(float(r) for r in held_rates[-k:]) / k
    window = prices[-n:]
    sma = sum(window) / len(window)
    assert got is decision(params, mean, prices[-1], sma, side)


def test_extreme_funding_in_a_flat_market_shorts_then_normal_funding_closes() -> None:
    params = FundingCarryParams(funding_window=3, trend_window=5)
    strategy = build_strategy("funding_carry", params)
    assert isinstance(strategy, FundingCarryStrategy)
    view = HistoryView([A], 7, 3)
    for i in range(5):
        view.record([candle(i, 100.0)], (i + 1) * TF)
        view.record_funding({A: Decimal("0.0005")}, (i + 1) * TF)
    assert [s.action for s in strategy.decide(view, {})] == [Action.OPEN_SHORT]
    for i in range(5, 8):
        view.record([candle(i, 100.0)], (i + 1) * TF)
        view.record_funding({A: Decimal("0.0001")}, (i + 1) * TF)
    assert [s.action for s in strategy.decide(view, {A: held(Side.SELL)})] == [Action.CLOSE]


def test_its_chart_shows_the_trend_filters_sma() -> None:
    (plot,) = FundingCarryStrategy(FundingCarryParams(trend_window=50)).plots()
    assert isinstance(plot, Average) and plot.window == 50 and plot.kind == "sma"


def test_no_short_into_a_strong_uptrend() -> None:
    strategy = FundingCarryStrategy(FundingCarryParams(funding_window=1, trend_window=5))
    view = HistoryView([A], 7, 1)
    for i, price in enumerate([100.0, 100.0, 100.0, 100.0, 130.0]):
        view.record([candle(i, price)], (i + 1) * TF)
    view.record_funding({A: Decimal("0.001")}, 5 * TF)
    # close 130 against an SMA of 106: 22% above, beyond the 5% band.
    assert strategy.decide(view, {}) == []


def test_the_view_holds_no_funding_after_its_time() -> None:
    view = HistoryView([A], 3, 4)
    view.record([candle(0, 100.0)], TF)
    view.record_funding({A: Decimal("0.0001")}, TF)
    with pytest.raises(ReadAhead):
        view.funding(A, -1)
    with pytest.raises(ReadAhead):
        view.record_funding({A: Decimal("0.0002")}, 2 * TF)
    assert view.funding(A).at_ms == TF and view.funding_count(A) == 1


def test_a_view_for_a_strategy_without_funding_keeps_none() -> None:
    view = HistoryView([A], 3)
    view.record([candle(0, 100.0)], TF)
    view.record_funding({A: Decimal("0.0001")}, TF)
    assert view.funding_count(A) == 0 and view.funding_rates(A, 5) == []


class _Flat:
    positions: Mapping[str, Position] = {}

    async def sync(self) -> object:
        return None


class _Rates:
    """An IFundingRates source answering one rate, counting how often it is asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, ...]] = []

    async def next_funding_rates(self, symbols: Sequence[str]) -> dict[str, Decimal]:
        self.asked.append(tuple(symbols))
        return dict.fromkeys(symbols, Decimal("0.0002"))


class _Reader:
    """A portfolio strategy that writes down the funding it holds at each decision."""

    name = "reader"

    def __init__(self, samples: int) -> None:
        self.samples = samples
        self.seen: list[tuple[int, list[FundingSample]]] = []

    def warmup_candles(self) -> int:
        return 0

    def funding_samples(self) -> int:
        return self.samples

    def decide(self, view: HistoryView, positions: Mapping[str, Position]) -> Sequence[Signal]:
        held_ = [view.funding(A, k) for k in range(view.funding_count(A))]
        self.seen.append((view.now_ms, held_))
        return ()


def _orchestrated(reader: _Reader, rates: _Rates) -> StrategyOrchestrator:
    book = StrategyBook([Slot("r", (A,), Decimal(1), reader)])
    unused: Any = None  # no signal reaches execution or risk
    return StrategyOrchestrator(
        book, unused, {}, Decimal(1), Decimal(1), account=_Flat(), risk=unused, funding=rates
    )


def test_the_orchestrator_hands_funding_only_with_the_cycles_newest_candles() -> None:
    reader, rates = _Reader(4), _Rates()
    # A catch-up: candles closing at 2h and 3h delivered in the cycle at 3h.
    asyncio.run(_orchestrated(reader, rates).on_candles([candle(1, 1.0), candle(2, 1.0)], 3 * TF))
    assert rates.asked == [(A,)]
    assert reader.seen == [
        (2 * TF, []),  # a rate asked at 3h could have settled after 2h: none
        (3 * TF, [FundingSample(3 * TF, Decimal("0.0002"))]),
    ]


def test_a_live_cycle_runs_after_the_close_and_still_hands_the_rate() -> None:
    reader, rates = _Reader(4), _Rates()
    # Live: the cycle runs a few seconds after the candle closed.
    asyncio.run(_orchestrated(reader, rates).on_candles([candle(2, 1.0)], 3 * TF + 5_000))
    assert reader.seen == [(3 * TF, [FundingSample(3 * TF, Decimal("0.0002"))])]


def test_a_book_that_reads_no_funding_never_asks_for_it() -> None:
    reader, rates = _Reader(0), _Rates()
    asyncio.run(_orchestrated(reader, rates).on_candles([candle(2, 1.0)], 3 * TF))
    assert rates.asked == [] and reader.seen == [(3 * TF, [])]
