"""Fast mode skips candles but must give exactly the fills of step mode, which runs every candle
through the live cycle: on the bundled Binance data and on random walks, with trailing stops,
confirmation bars, shorts on and off, funding, daily loss limits, gaps and liquidations."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.adapters.replay.csv_files import FundingPoint
from bot_v2.orchestration.backtest.data import SymbolFiles, load_data
from bot_v2.orchestration.backtest.synthetic import T0_MS, random_walk
from tests.integration.backtest._support import both, bundled_year, config, feed, run, trace

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
DATA = "bundled:binance_usdm"
MINUTE = 60_000
OVERRIDES_1M = (
    "strategy.params.short_window=20",
    "strategy.params.long_window=90",
    "strategy.leverage=3",
    "risk.max_leverage=5",
)


def test_bundled_year_of_btc_and_eth_gives_identical_fills() -> None:
    data = bundled_year()
    step, fast = both(config([BTC, ETH], data.timeframe), data.feed)
    assert len(step.broker.exchange.state.fills) > 500
    assert len(step.broker.exchange.state.funding) > 500
    assert trace(fast) == trace(step)
    assert fast.cycles_run < step.cycles_run / 4


def test_trailing_stops_on_minute_data_give_identical_fills() -> None:
    data = load_data([SymbolFiles(BTC, f"{DATA}/1m/BTCUSDT-1m-20250505-20250511.csv")])
    cfg = config([BTC], data.timeframe, *OVERRIDES_1M, "strategy.params.trailing_stop_pct=0.002")
    step, fast = both(cfg, data.feed)
    assert len(step.broker.exchange.state.fills) > 50
    assert trace(fast) == trace(step)
    # The stops did fire: without them the run trades differently.
    unstopped = config([BTC], data.timeframe, *OVERRIDES_1M, "strategy.params.trailing_stop_pct=0")
    assert trace(run(unstopped, data.feed, "fast")) != trace(step)


def test_a_daily_loss_limit_that_binds_gives_identical_fills() -> None:
    columns = [random_walk(BTC, 6000, seed=21, volatility=0.004)]
    cfg = config(
        [BTC],
        "1m",
        "strategy.params.short_window=5",
        "strategy.params.long_window=30",
        "strategy.leverage=3",
        "strategy.position_fraction=0.8",
        "risk.daily_loss_limit=100",
    )
    step, fast = both(cfg, feed(columns))
    blocked = [e for e in step.store.events if e[1] == "risk_rejected" and "daily_loss" in e[2]]
    assert blocked
    assert trace(fast) == trace(step)


def _funding(symbol: str, candles: int, every_h: int, seed: int) -> list[FundingPoint]:
    rng = np.random.default_rng(seed)
    times = range(T0_MS + every_h * 3_600_000, T0_MS + candles * MINUTE, every_h * 3_600_000)
    return [FundingPoint(t, Decimal(str(round(rng.normal(0.0001, 0.0003), 6)))) for t in times]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    short=st.integers(2, 12),
    extra=st.integers(1, 30),
    confirmation=st.integers(0, 3),
    stop=st.sampled_from(["0", "0.001", "0.003", "0.01"]),
    shorts=st.booleans(),
    leverage=st.sampled_from(["1", "3"]),
    two_symbols=st.booleans(),
    every_h=st.sampled_from([1, 4, 8]),
)
def test_random_walks_give_identical_fills(
    seed: int,
    short: int,
    extra: int,
    confirmation: int,
    stop: str,
    shorts: bool,
    leverage: str,
    two_symbols: bool,
    every_h: int,
) -> None:
    candles = 1500
    columns = [random_walk(BTC, candles, seed=seed, volatility=0.002)]
    if two_symbols:
        eth = random_walk(ETH, candles, seed=seed + 1, price=2000.0, volatility=0.003)
        # A hole in one symbol's data: reported by the loader, never bridged.
        keep = np.ones(candles, dtype=bool)
        keep[700:730] = False
        columns.append(
            type(eth)(
                ETH,
                MINUTE,
                eth.open_ms[keep],
                eth.open[keep],
                eth.high[keep],
                eth.low[keep],
                eth.close[keep],
                eth.volume[keep],
            )
        )
    funding = {c.symbol: _funding(c.symbol, candles, every_h, seed) for c in columns}
    cfg = config(
        [c.symbol for c in columns],
        "1m",
        f"strategy.params.short_window={short}",
        f"strategy.params.long_window={short + extra}",
        f"strategy.params.confirmation_bars={confirmation}",
        f"strategy.params.trailing_stop_pct={stop}",
        f"strategy.params.allow_shorts={'true' if shorts else 'false'}",
        f"strategy.leverage={leverage}",
        "strategy.position_fraction=0.5",
        # Small enough to bind on some days: the day's first cycle sets what it measures from.
        "risk.daily_loss_limit=150",
    )
    step, fast = both(cfg, feed(columns, funding))
    assert step.broker.exchange.state.fills
    assert trace(fast) == trace(step)


def test_liquidations_happen_at_the_same_candles_in_both_modes() -> None:
    columns = [random_walk(BTC, 3000, seed=5, volatility=0.004)]
    cfg = config(
        [BTC],
        "1m",
        "strategy.params.short_window=5",
        "strategy.params.long_window=40",
        "strategy.params.trailing_stop_pct=0",
        "strategy.leverage=50",
        # At 50x the profile's 4% stop-loss lies beyond the liquidation price (refused); this test
        # is about liquidations.
        'strategy.exits.stop_loss="off"',
        "strategy.position_fraction=0.5",
        "risk.max_leverage=60",
        "risk.max_symbol_notional=100000000",
        "risk.max_total_notional=100000000",
        "risk.max_order_notional=100000000",
        "risk.daily_loss_limit=100000000",
        'broker.sim.margin_mode="isolated"',
        # The protections would keep these entries away from liquidation: off, to reach it.
        "protections.liquidation_min_pct=0",
        "protections.liquidation_reduce_pct=0",
        "protections.max_drawdown_pct=0",
    )
    step, fast = both(cfg, feed(columns))
    assert step.broker.exchange.state.liquidations
    assert trace(fast) == trace(step)
