"""Running both backtest modes on the same market and comparing what the exchange did."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot_v2.adapters.replay.columns import CandleColumns
from bot_v2.adapters.replay.csv_files import FundingPoint
from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.orchestration.backtest.data import BacktestData, SymbolFiles, load_data
from bot_v2.orchestration.backtest.engine import BacktestRun, run_backtest
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.config.models import BotConfig


def config(symbols: Sequence[str], timeframe: str, *overrides: str) -> BotConfig:
    names = ",".join(f'"{s}"' for s in symbols)
    sets = [f"bot.symbols=[{names}]", f'bot.timeframe="{timeframe}"', *overrides]
    return load_config("dev", None, {}, sets).config


def feed(
    columns: Sequence[CandleColumns], funding: dict[str, list[FundingPoint]] | None = None
) -> ReplayFeed:
    series = {
        c.symbol: SymbolSeries(c.symbol, c, (), (funding or {}).get(c.symbol, [])) for c in columns
    }
    return ReplayFeed(series, columns[0].timeframe_ms)


def run(cfg: BotConfig, market: ReplayFeed, mode: str) -> BacktestRun:
    return asyncio.run(run_backtest(cfg, market, mode))


def trace(run: BacktestRun) -> tuple[object, ...]:
    """Everything the exchange did, to compare two runs exactly."""
    state = run.broker.exchange.state
    return (
        tuple(state.fills),
        tuple(state.funding),
        tuple(state.liquidations),
        state.wallet,
        tuple(sorted((s, p.size, p.entry_price) for s, p in state.positions.items())),
    )


def both(cfg: BotConfig, market: ReplayFeed) -> tuple[BacktestRun, BacktestRun]:
    return run(cfg, market, "step"), run(cfg, market, "fast")


def bundled_year() -> BacktestData:
    """The bundled 2024 hourly BTC and ETH candles with their funding and mark prices."""
    data = "bundled:binance_usdm"
    return load_data(
        [
            SymbolFiles(
                symbol,
                f"{data}/1h/{venue}-1h-2024.csv",
                f"{data}/funding/{venue}-funding-upto-2024.csv",
                f"{data}/1h_mark/{venue}-mark-1h-2024.csv",
            )
            for symbol, venue in (("BTC/USDT:USDT", "BTCUSDT"), ("ETH/USDT:USDT", "ETHUSDT"))
        ]
    )
