"""Both backtest modes report progress that adds up to every cycle of the run, step mode in a few
calls rather than one per cycle."""

from __future__ import annotations

import asyncio

import pytest

from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.orchestration.backtest.engine import PROGRESS_EVERY, run_backtest
from bot_v2.orchestration.backtest.synthetic import random_walk
from bot_v2.orchestration.config import load_config

SYMBOL = "BTC/USDT:USDT"


@pytest.mark.parametrize("mode", ["step", "fast"])
def test_progress_adds_up_to_every_cycle(mode: str) -> None:
    n = 2 * PROGRESS_EVERY + 37
    columns = random_walk(SYMBOL, n, seed=3)
    feed = ReplayFeed({SYMBOL: SymbolSeries(SYMBOL, columns)}, columns.timeframe_ms)
    sets = [f'bot.symbols=["{SYMBOL}"]', 'bot.timeframe="1m"', "strategy.params.short_window=5"]
    config = load_config("dev", None, {}, [*sets, "strategy.params.long_window=20"]).config
    told: list[int] = []
    run = asyncio.run(run_backtest(config, feed, mode, told.append))
    assert sum(told) == run.cycles == n
    if mode == "step":
        assert told == [PROGRESS_EVERY, PROGRESS_EVERY, 37]
