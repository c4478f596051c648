"""Fast mode with exits that move or act on the clock: a trailing stop, break-even, an ATR stop, a
time exit and the end-of-day flatten. The venue holds the stop the last cycle planned, so a cycle
fast mode skips would leave an old stop on the venue: these exits must give step's fills."""

from __future__ import annotations

from bot_v2.orchestration.backtest.data import SymbolFiles, load_data
from tests.integration.backtest._support import both, config, trace

BTC = "BTC/USDT:USDT"
WEEK_1M = "bundled:binance_usdm/1m/BTCUSDT-1m-20250505-20250511.csv"
OVERRIDES_1M = (
    "strategy.params.short_window=20",
    "strategy.params.long_window=90",
    "strategy.leverage=3",
    "risk.max_leverage=5",
    "strategy.params.trailing_stop_pct=0",
)


def _exits_count(run: object) -> int:
    return sum(1 for f in run.broker.exchange.state.fills if "-p" in f.client_order_id)  # type: ignore[attr-defined]


def _week(*exits: str) -> tuple[object, object]:
    data = load_data([SymbolFiles(BTC, WEEK_1M)])
    return both(config([BTC], data.timeframe, *OVERRIDES_1M, *exits), data.feed)


def test_a_trailing_stop_and_break_even_give_identical_fills() -> None:
    step, fast = _week(
        'strategy.exits.trailing="percent"',
        "strategy.exits.trailing_pct=0.003",
        "strategy.exits.break_even_after_pct=0.004",
    )
    assert _exits_count(step) > 5
    assert trace(fast) == trace(step)


def test_an_atr_stop_gives_identical_fills() -> None:
    step, fast = _week(
        'strategy.exits.stop_loss="atr"',
        "strategy.exits.stop_loss_atr=1.5",
        "strategy.exits.stop_loss_pct=0.01",
    )
    assert _exits_count(step) > 5
    assert trace(fast) == trace(step)


def test_a_time_exit_and_end_of_day_flatten_give_identical_fills() -> None:
    step, fast = _week("strategy.exits.max_holding_s=5400", 'strategy.exits.flatten_at_utc="21:30"')
    assert trace(fast) == trace(step)
    assert any(e[1] == "exit" for e in step.store.events)


def test_volatility_target_sizing_gives_identical_fills() -> None:
    # Sizing reads an ATR from the market data's candle window, which fast mode fills only at the
    # cycles it runs: such a run is run in step mode, and says so.
    step, fast = _week(
        'strategy.sizing.method="volatility_target"', "strategy.sizing.risk_pct=0.002"
    )
    assert len(step.broker.exchange.state.fills) > 5
    assert trace(fast) == trace(step)
    assert fast.mode == "step"
