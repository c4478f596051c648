"""A Ray worker that dies mid-trial loses only that attempt: Ray runs the task again and the
trial's window comes back. The strategy here (a user strategy file, loaded by the worker as any
`--strategy-file` is) kills its own worker process the first time it is built."""

from __future__ import annotations

from pathlib import Path

from bot_v2.orchestration.backtest.data import SymbolFiles, load_data
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.optimize.pool import RayPool
from bot_v2.orchestration.optimize.window import WindowOutcome, run_window

D = "bundled:binance_usdm"
FILES = [SymbolFiles("ETH/USDT:USDT", f"{D}/1h/ETHUSDT-1h-2024.csv")]
DAY = 86_400_000
START = 1_704_067_200_000  # 2024-01-01
FRAGILE = """
import os
from pathlib import Path

from bot_v2.features.live_trade.strategies.breakout import BreakoutParams, BreakoutStrategy

DIED = Path({died!r})


class FragileBreakout(BreakoutStrategy):
    name = "fragile"
    params_type = BreakoutParams

    def __init__(self, params: BreakoutParams) -> None:
        if not DIED.exists():
            DIED.write_text("the first attempt's worker died here")
            os._exit(1)  # the worker process dies, as on a lost machine or the OOM killer
        super().__init__(params)
"""


def test_a_dead_worker_loses_only_its_attempt(tmp_path: Path) -> None:
    died = tmp_path / "died"
    strategy = tmp_path / "fragile.py"
    strategy.write_text(FRAGILE.format(died=str(died)))
    sets = [
        'bot.symbols=["ETH/USDT:USDT"]',
        'bot.timeframe="1h"',
        'strategy.name="fragile"',
        f'strategy.file="{strategy}"',
    ]
    config = load_config("dev", None, {}, sets).config
    feed = load_data(FILES, START, START + 20 * DAY).feed
    pool = RayPool(1, None)
    try:
        pool.start(feed)
        [got] = pool.gather([pool.submit(config, {"channel": 20}, START, START + 20 * DAY)])
    finally:
        pool.close()
    assert died.exists()  # the first attempt did die
    assert isinstance(got, WindowOutcome), got
    # The retry's result is the window's own result.
    assert got == run_window(feed, config, {"channel": 20}, START, START + 20 * DAY)
