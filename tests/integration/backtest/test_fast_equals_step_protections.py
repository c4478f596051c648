"""Fast mode with the portfolio protections on: the drawdown halt and the near-liquidation cut act
on the equity at every cycle's marks, and the drawdown measures from the peak of every cycle, so
fast mode must run the cycle at which either acts and move the peak over the cycles it skips. Both
modes must give the same fills (and keep the same equity peak) when they trip mid-run."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.orchestration.backtest.engine import BacktestRun
from bot_v2.orchestration.backtest.synthetic import random_walk
from tests.integration.backtest._support import both, bundled_year, config, feed, trace

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
DATA = "bundled:binance_usdm"
# Big positions for the account, so the estimated liquidation comes near; no caps in the way.
LEVERED = (
    "strategy.position_fraction=1",
    "risk.max_leverage=10",
    "risk.max_order_notional=100000000",
    "risk.max_symbol_notional=100000000",
    "risk.max_total_notional=100000000",
    "risk.daily_loss_limit=100000000",
    "protections.liquidation_min_pct=0",
)


def _acted(run: BacktestRun) -> list[tuple[int, str]]:
    return [(e[0], e[2].split(" (")[0]) for e in run.store.events if e[1] == "protection"]


def _risk_state(run: BacktestRun) -> dict[str, object]:
    text = run.store.get_meta("risk_state")
    assert text is not None
    state: dict[str, object] = json.loads(text)
    return state


def _same(step: BacktestRun, fast: BacktestRun) -> None:
    assert trace(fast) == trace(step)
    assert _acted(fast) == _acted(step)
    assert _risk_state(fast) == _risk_state(step)


def test_bundled_year_with_the_drawdown_halt_tripping_gives_identical_fills() -> None:
    data = bundled_year()
    # The dev profile (stop-loss, trailing stop, funding), its halt moved within reach: it trips
    # in March, between two cycles fast mode used to run.
    cfg = config([BTC, ETH], data.timeframe, "protections.max_drawdown_pct=0.1")
    step, fast = both(cfg, data.feed)
    assert "drawdown_halt" in {kind.split(":")[0] for _, kind in _acted(step)}
    _same(step, fast)
    assert fast.cycles_run < step.cycles_run


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    short=st.integers(3, 10),
    extra=st.integers(5, 40),
    leverage=st.sampled_from(["2", "3"]),
    halt=st.sampled_from(["0", "0.03", "0.08"]),
    near=st.sampled_from(["0", "0.1", "0.2"]),
)
def test_random_walks_with_protections_give_identical_fills(
    seed: int, short: int, extra: int, leverage: str, halt: str, near: str
) -> None:
    columns = [random_walk(BTC, 600, seed=seed, volatility=0.003)]
    cfg = config(
        [BTC],
        "1m",
        *LEVERED,
        f"strategy.params.short_window={short}",
        f"strategy.params.long_window={short + extra}",
        f"strategy.leverage={leverage}",
        f"protections.max_drawdown_pct={halt}",
        f"protections.liquidation_reduce_pct={near}",
    )
    step, fast = both(cfg, feed(columns))
    assert step.broker.exchange.state.fills
    _same(step, fast)
