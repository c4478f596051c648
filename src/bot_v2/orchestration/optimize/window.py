"""One backtest of one parameter set on one time window, as a Ray task runs it: the feed cut to
the window, the strategy's params replaced, the live engine in fast mode, the window's equity
scored. Nothing here knows about Ray or Optuna, so it is tested and benchmarked on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal

import attrs
import numpy as np
import numpy.typing as npt

from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.domain.errors import DataError
from bot_v2.features.optimize.objectives import WindowScore, score
from bot_v2.orchestration.backtest.engine import run_backtest
from bot_v2.orchestration.backtest.results import equity_curve
from bot_v2.orchestration.config.models import BotConfig


@attrs.frozen
class WindowOutcome:
    score: WindowScore
    # Kept only when asked (test windows): the report draws them.
    timestamps_ms: npt.NDArray[np.int64] | None = None
    equity: npt.NDArray[np.float64] | None = None


def cut(feed: ReplayFeed, start_ms: int, end_ms: int) -> ReplayFeed:
    """The candles opening in [start_ms, end_ms) of every symbol; marks and funding stay whole
    (they are looked up by time)."""
    series: dict[str, SymbolSeries] = {}
    for symbol, s in feed.series.items():
        lo = int(np.searchsorted(s.columns.open_ms, start_ms))
        hi = int(np.searchsorted(s.columns.open_ms, end_ms))
        if lo >= hi:
            raise DataError(f"{symbol}: no candles in a walk-forward window")
        series[symbol] = SymbolSeries(symbol, s.columns.window(lo, hi), s.mark_columns, s.funding)
    gaps = [g for g in feed.gaps if start_ms <= g.after_ms and g.before_ms < end_ms]
    return ReplayFeed(series, feed.timeframe_ms, gaps, feed.sources)


def with_params(config: BotConfig, params: Mapping[str, object]) -> BotConfig:
    """The config with these strategy params over the ones it had."""
    merged = {**config.strategy.params, **{k: _toml_value(v) for k, v in params.items()}}
    return attrs.evolve(config, strategy=attrs.evolve(config.strategy, params=merged))


def _toml_value(value: object) -> object:
    # Floats from the sampler reach Decimal fields through their shortest text, as TOML would.
    return Decimal(repr(value)) if isinstance(value, float) else value


def run_window(
    feed: ReplayFeed,
    config: BotConfig,
    params: Mapping[str, object],
    start_ms: int,
    end_ms: int,
    keep_curve: bool = False,
) -> WindowOutcome:
    window = cut(feed, start_ms, end_ms)
    run = asyncio.run(run_backtest(with_params(config, params), window, "fast"))
    exchange = run.broker.exchange
    curve = equity_curve(
        window, exchange.settings.initial_balance, exchange.state.fills, exchange.state.funding
    )
    found = score(curve.timestamps_ms, curve.equity, len(run.ledger.closed_trades))
    if keep_curve:
        return WindowOutcome(found, curve.timestamps_ms, curve.equity)
    return WindowOutcome(found)
