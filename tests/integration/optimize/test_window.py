"""A trial's window is the backtest of that date range with those params: the same engine, the
same result as `perps-bot backtest --from --to --set strategy.params.*` would give."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from bot_v2.features.optimize.objectives import score
from bot_v2.orchestration.backtest.data import SymbolFiles, load_data
from bot_v2.orchestration.backtest.engine import run_backtest
from bot_v2.orchestration.backtest.results import equity_curve
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.optimize.window import run_window, with_params

D = "bundled:binance_usdm"
FILES = [
    SymbolFiles(
        "ETH/USDT:USDT",
        f"{D}/1h/ETHUSDT-1h-2024.csv",
        f"{D}/funding/ETHUSDT-funding-upto-2024.csv",
        f"{D}/1h_mark/ETHUSDT-mark-1h-2024.csv",
    )
]
START, END = 1_709_251_200_000, 1_711_929_600_000  # 2024-03-01 .. 2024-04-01 UTC


def config():  # type: ignore[no-untyped-def]
    sets = ['bot.symbols=["ETH/USDT:USDT"]', 'bot.timeframe="1h"', 'strategy.name="breakout"']
    return load_config("dev", None, {}, sets).config


def test_a_window_scores_what_the_backtest_of_that_range_does() -> None:
    whole = load_data(FILES).feed
    params = {"channel": 25, "atr_mult": 2.5}
    got = run_window(whole, config(), params, START, END, keep_curve=True)
    ranged = load_data(FILES, START, END).feed
    run = asyncio.run(run_backtest(with_params(config(), params), ranged, "fast"))
    exchange = run.broker.exchange
    curve = equity_curve(
        ranged, exchange.settings.initial_balance, exchange.state.fills, exchange.state.funding
    )
    assert got.score == score(curve.timestamps_ms, curve.equity, len(run.ledger.closed_trades))
    assert got.timestamps_ms is not None and list(got.timestamps_ms) == list(curve.timestamps_ms)
    assert run.config.strategy.params["atr_mult"] == Decimal("2.5")
    assert got.score.trades > 0


def test_the_params_reach_the_strategy() -> None:
    whole = load_data(FILES).feed
    a = run_window(whole, config(), {"channel": 5}, START, END)
    b = run_window(whole, config(), {"channel": 80}, START, END)
    assert a.score != b.score
