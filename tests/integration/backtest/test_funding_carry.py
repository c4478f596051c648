"""funding_carry: chosen by name, it sees funding through its view (never a rate settled after the
cycle) and fast mode gives exactly the fills of step mode on the bundled year of BTC and ETH."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import ClassVar

import pytest

from bot_v2.adapters.replay.csv_files import FundingPoint
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Signal
from bot_v2.features.live_trade.strategies import registry
from bot_v2.features.live_trade.strategies.funding_carry import FundingCarryStrategy
from bot_v2.features.live_trade.strategies.portfolio.view import HistoryView
from bot_v2.orchestration.backtest.synthetic import random_walk
from tests.integration.backtest._support import both, bundled_year, config, feed, run, trace

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
DATA = "bundled:binance_usdm"


def test_the_bundled_year_trades_with_identical_fills() -> None:
    data = bundled_year()
    step, fast = both(
        config([BTC, ETH], data.timeframe, 'strategy.name="funding_carry"'), data.feed
    )
    assert len(step.broker.exchange.state.fills) > 10
    assert trace(fast) == trace(step)


class Spy(FundingCarryStrategy):
    """funding_carry that writes down, at each decision, the view's time and the rates it holds."""

    seen: ClassVar[list[tuple[int, int, Decimal]]] = []

    def decide(self, view: HistoryView, positions: Mapping[str, Position]) -> Sequence[Signal]:
        for symbol in view.fresh:
            for ago in range(view.funding_count(symbol)):
                sample = view.funding(symbol, ago)
                Spy.seen.append((view.now_ms, sample.at_ms, sample.rate))
        return super().decide(view, positions)


def test_a_strategy_never_reads_a_rate_settled_after_the_cycle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    columns = random_walk(BTC, 400, seed=3, volatility=0.003)
    step_ms = columns.timeframe_ms
    start = columns.close_at(0)
    # A rate settles every 8 candles; each rate names its settlement time, so a rate read early
    # would show up as a rate whose value is after the view's time.
    funding = [
        FundingPoint(start + i * 8 * step_ms, Decimal(start + i * 8 * step_ms) / Decimal(10**16))
        for i in range(60)
    ]
    Spy.seen = []
    monkeypatch.setitem(registry.STRATEGIES, "funding_carry", Spy)
    cfg = config(
        [BTC],
        "1m",
        'strategy.name="funding_carry"',
        "strategy.params.trend_window=5",
        "strategy.params.funding_window=3",
    )
    run(cfg, feed([columns], {BTC: funding}), "step")
    assert Spy.seen
    for now_ms, at_ms, rate in Spy.seen:
        settled_ms = int(rate * 10**16)
        assert at_ms <= now_ms
        assert settled_ms <= at_ms
