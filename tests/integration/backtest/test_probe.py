"""The probe (orchestration/backtest/skip/probe.py): fast mode for any per-candle strategy that
declares `independent_symbols`. The router answers exactly what the strategy answers when every
candle reaches it in order; fast mode then gives step's fills for every opted-in built-in, with two
symbols acting at different times, and when an exchange-held stop fills at a candle a probe had run
past (the snapshot is restored); a strategy without the opt-in still runs every candle."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.cli.strategy_template import TEMPLATE
from bot_v2.domain.market import Candle
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus, OrderType, Side
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.strategies.ensemble.members import MEMBERS
from bot_v2.features.live_trade.strategies.momentum import MomentumStrategy
from bot_v2.features.live_trade.strategies.momentum.params import MomentumParams
from bot_v2.features.live_trade.strategies.registry import STRATEGIES
from bot_v2.orchestration.backtest.memory_store import MemoryStateStore
from bot_v2.orchestration.backtest.skip import NeverSkip, skipper_for
from bot_v2.orchestration.backtest.skip.baseline import BaselineSkipper
from bot_v2.orchestration.backtest.skip.probe import (
    CandleBatches,
    ProbeSkipper,
    SymbolRouter,
    probed,
    routed,
)
from bot_v2.orchestration.backtest.synthetic import random_walk
from tests.integration.backtest._support import both, config, feed, trace

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
OPTED_IN = sorted(
    name
    for name, cls in STRATEGIES.items()
    if getattr(cls, "independent_symbols", False) and name != "baseline"
)


def test_every_per_candle_built_in_opts_in_and_no_portfolio_one_does() -> None:
    per_candle = {n for n, c in STRATEGIES.items() if callable(getattr(c, "on_candle", None))}
    assert set(OPTED_IN) | {"baseline"} == per_candle
    assert {"momentum", "breakout", "mean_reversion", "regime", "ensemble"} <= per_candle
    for name in ("pairs", "funding_carry"):
        built = STRATEGIES[name](STRATEGIES[name].params_type())
        assert not probed(built)
    # The ensemble's symbols are apart only while every member's are.
    assert all(vars(cls).get("independent_symbols") is True for cls in MEMBERS.values())


# -- the router against the strategy fed every candle -------------------------------------------

FLAT = {s: Position(s) for s in (BTC, ETH)}
LONG = {s: Position(s, Decimal(1), Decimal(30000)) for s in (BTC, ETH)}
SHORT = {s: Position(s, Decimal(-1), Decimal(30000)) for s in (BTC, ETH)}
HELD = st.sampled_from([FLAT, LONG, SHORT])


def _momentum(threshold: str = "0.001") -> MomentumStrategy:
    return MomentumStrategy(
        MomentumParams(lookback=3, threshold_pct=Decimal(threshold), vol_window=3)
    )


def _answer(signal: Signal) -> tuple[str, Action, str]:
    return signal.symbol, signal.action, signal.reason


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 1000),
    steps=st.lists(
        st.tuples(st.sampled_from([BTC, ETH]), HELD, HELD, st.integers(0, 40)),
        min_size=1,
        max_size=40,
    ),
)
def test_the_router_answers_what_the_strategy_answers_fed_every_candle(
    seed: int, steps: list[tuple[str, dict[str, Position], dict[str, Position], int]]
) -> None:
    """A planner's calls in any order the engine makes them: probe with the position held, skip
    part of what the probe allows, then a cycle's candle with that position or another one (a
    fill moved it). A plain strategy fed the same candles with the same positions answers the
    same at every cycle, and both answer the same afterwards."""
    columns = {s: random_walk(s, 400, seed=seed + i, volatility=0.004) for i, s in enumerate(FLAT)}
    market = feed(list(columns.values()))
    router = SymbolRouter(_momentum(), market)
    skipper = ProbeSkipper(router)
    plain = _momentum()
    seen = dict.fromkeys(columns, 0)
    for symbol, probed_with, cycle_with, ahead in steps:
        n = len(columns[symbol])
        start = seen[symbol]
        if start >= n:
            continue
        held = probed_with[symbol]
        k = skipper.next_candle(symbol, start, held)
        assert start <= k <= n
        stop = min(k, start + ahead)
        skipper.skip(symbol, start, stop, held)
        for i in range(start, stop):
            assert plain.on_candle(columns[symbol].candle(i), held).action is Action.HOLD
        if stop < n:
            candle = columns[symbol].candle(stop)
            position = cycle_with[symbol]
            assert _answer(router.on_candle(candle, position)) == _answer(
                plain.on_candle(candle, position)
            )
            stop += 1
        seen[symbol] = stop
    for symbol, cols in columns.items():
        for i in range(seen[symbol], len(cols)):
            candle = cols.candle(i)
            assert _answer(router.on_candle(candle, FLAT[symbol])) == _answer(
                plain.on_candle(candle, FLAT[symbol])
            )


def test_a_fill_at_a_candle_the_probe_ran_past_restores_the_snapshot() -> None:
    columns = random_walk(BTC, 300, seed=3, volatility=0.004)
    # A threshold no 3-candle move reaches: flat, it holds to the end.
    router = SymbolRouter(_momentum("0.5"), feed([columns]))
    skipper, plain = ProbeSkipper(router), _momentum("0.5")
    assert skipper.next_candle(BTC, 0, FLAT[BTC]) == 300
    skipper.skip(BTC, 0, 10, FLAT[BTC])
    for i in range(10):
        plain.on_candle(columns.candle(i), FLAT[BTC])
    assert router.counts() == (300, 0)
    # A fill (a maker entry, say) opened a position before the cycle at candle 10: the probe's
    # answers were for flat. Held long, momentum closes on the first falling rate of change.
    answers = []
    for i in range(10, 300):
        candle = columns.candle(i)
        got = router.on_candle(candle, LONG[BTC])
        assert _answer(got) == _answer(plain.on_candle(candle, LONG[BTC]))
        answers.append(got.action)
    assert Action.CLOSE in answers
    assert router.counts()[1] == 10  # fed again from the snapshot: the ten candles really passed


def test_probe_candles_are_the_columns_candles() -> None:
    columns = random_walk(BTC, 700, seed=5)
    source = CandleBatches(columns)
    got = [*source.from_(0), *source.from_(256), *source.candles(512, 700)]
    assert got == [columns.candle(i) for i in range(700)]
    assert source.from_(300) == got[300:512]  # kept: a later probe starts inside the batch
    assert source.candles(290, 310) == got[290:310]
    assert [str(c.close) for c in got] == [str(columns.candle(i).close) for i in range(700)]
    built = feed([columns]).series[BTC].columns  # built from Candle objects: handed back as is
    assert CandleBatches(built).candles(0, 3) == [columns.candle(i) for i in range(3)]


class _Unmarked:
    """A per-candle strategy without the opt-in: fast mode cannot know its symbols are apart."""

    name = "unmarked"

    def warmup_candles(self) -> int:
        return 1

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        return Signal(candle.symbol, Action.HOLD)


def test_a_strategy_without_the_opt_in_runs_every_candle() -> None:
    market = feed([random_walk(BTC, 50, seed=1)])
    strategy = _Unmarked()
    assert routed(strategy, market) is strategy
    assert isinstance(skipper_for(strategy, market), NeverSkip)
    momentum = _momentum()
    router = routed(momentum, market)
    assert isinstance(router, SymbolRouter)
    assert isinstance(skipper_for(router, market), ProbeSkipper)
    baseline = STRATEGIES["baseline"](STRATEGIES["baseline"].params_type())
    assert routed(baseline, market) is baseline  # its vectorized twin is faster
    assert isinstance(skipper_for(baseline, market), BaselineSkipper)


USER_FILE = """
from bot_v2.features.live_trade.strategies.ensemble.members import MEMBERS
from bot_v2.features.live_trade.strategies.momentum import MomentumStrategy


class Unmarked(MomentumStrategy):
    name = "unmarked_momentum"
"""


def test_a_user_strategy_without_the_opt_in_gives_step_fills_with_every_cycle_run(
    tmp_path: Path,
) -> None:
    """Momentum's rules in a user file, subclassed without declaring the opt-in (it is not
    inherited): every candle runs through the cycle."""
    path = tmp_path / "unmarked.py"
    path.write_text(USER_FILE)
    cfg = config(
        [BTC],
        "1m",
        f'strategy.file="{path}"',
        'strategy.name="unmarked_momentum"',
        "strategy.params.lookback=5",
        "strategy.params.vol_window=5",
    )
    step, fast = both(cfg, feed([random_walk(BTC, 600, seed=9, volatility=0.003)]))
    assert step.broker.exchange.state.fills
    assert trace(fast) == trace(step)
    assert fast.cycles_run == fast.cycles and fast.probed == (0, 0)


def test_the_user_strategy_template_is_probed_with_step_fills(tmp_path: Path) -> None:
    """`perps-bot strategy new` writes a strategy that opts in: fast mode probes it."""
    path = tmp_path / "my_sma.py"
    path.write_text(TEMPLATE.format(name="my_sma", path=path))
    cfg = config(
        [BTC],
        "1m",
        f'strategy.file="{path}"',
        'strategy.name="my_sma"',
        "strategy.params.window=30",
        "strategy.params.allow_shorts=true",
    )
    step, fast = both(cfg, feed([random_walk(BTC, 1500, seed=12, volatility=0.002)]))
    assert step.broker.exchange.state.fills
    assert trace(fast) == trace(step)
    assert fast.probed[0] > 0 and fast.cycles_run < fast.cycles


# -- fast == step with the probe -----------------------------------------------------------------

PARAMS = {
    "momentum": ("lookback=10", "vol_window=10"),
    "breakout": ("channel=15",),
    "mean_reversion": ("window=15", "rsi_window=6", "rsi_low=40", "rsi_high=60"),
    "volatility_expansion": ("window=12", "atr_window=10", "squeeze_bars=2"),
    "regime": ("adx_window=6", "vol_window=10", "rank_window=100", "range_window=20"),
    "ensemble": (),
}


def _cfg(name: str, symbols: list[str], *extra: str) -> object:
    params = [f"strategy.params.{p}" for p in PARAMS.get(name, ())]
    return config(symbols, "1m", f'strategy.name="{name}"', *params, *extra)


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), shorts=st.booleans())
@pytest.mark.parametrize("name", OPTED_IN)
def test_opted_in_built_ins_give_step_fills_on_random_walks(
    name: str, seed: int, shorts: bool
) -> None:
    allow = "true" if shorts else "false"
    extra = [] if name == "ensemble" else [f"strategy.params.allow_shorts={allow}"]
    cfg = _cfg(name, [BTC], *extra)
    step, fast = both(cfg, feed([random_walk(BTC, 1500, seed=seed, volatility=0.003)]))
    assert trace(fast) == trace(step)
    assert fast.probed[0] > 0  # the probe ran


def test_two_symbols_one_acting_while_the_other_is_mid_probe() -> None:
    columns = [
        random_walk(BTC, 2000, seed=21, volatility=0.004),
        random_walk(ETH, 2000, seed=22, price=2000.0, volatility=0.002),
    ]
    cfg = _cfg("momentum", [BTC, ETH])
    step, fast = both(cfg, feed(columns))
    fills = step.broker.exchange.state.fills
    assert {f.symbol for f in fills} == {BTC, ETH}
    assert trace(fast) == trace(step)
    assert fast.cycles_run < fast.cycles // 2


def test_an_exchange_held_stop_filling_mid_probe_gives_step_fills() -> None:
    """A tight venue-held stop: it fills at candles the probe had already fed with the position
    still open, so the cycle sees another position, restores the snapshot and asks for real."""
    cfg = _cfg(
        "momentum",
        [BTC],
        'strategy.exits.stop_loss="percent"',
        "strategy.exits.stop_loss_pct=0.002",
    )
    step, fast = both(cfg, feed([random_walk(BTC, 3000, seed=4, volatility=0.003)]))
    stops = [f for f in step.broker.exchange.state.fills if f.client_order_id.startswith("stop")]
    assert trace(fast) == trace(step)
    assert fast.probed[1] > 0, f"no restore ({len(stops)} stop fills)"


RUNTIME = {
    "plain": (),
    "maker": ('strategy.entry.kind="maker"', "strategy.entry.reprice_after_s=120"),
    "trailing": ('strategy.exits.trailing="percent"', "strategy.exits.trailing_pct=0.004"),
    "atr stop": ('strategy.exits.stop_loss="atr"', "strategy.exits.stop_loss_atr=1.5"),
    "halt": (
        "strategy.leverage=5",
        "strategy.position_fraction=1",
        "protections.max_drawdown_pct=0.05",
        "risk.max_leverage=10",
        "risk.max_order_notional=100000000",
        "risk.max_symbol_notional=100000000",
        "risk.max_total_notional=100000000",
    ),
}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    name=st.sampled_from(["momentum", "breakout", "mean_reversion"]),
    runtime=st.sampled_from(sorted(RUNTIME)),
)
def test_probed_strategies_with_the_runtime_acting_on_its_own_give_step_fills(
    seed: int, name: str, runtime: str
) -> None:
    """What the planner runs cycles for besides the strategy (maker entries re-priced on the clock,
    exits that act every cycle, ATR stops shown skipped candles, the drawdown halt flattening),
    on two symbols, with a probed strategy."""
    columns = [
        random_walk(BTC, 900, seed=seed, volatility=0.004),
        random_walk(ETH, 900, seed=seed + 1, price=2000.0, volatility=0.003),
    ]
    step, fast = both(_cfg(name, [BTC, ETH], *RUNTIME[runtime]), feed(columns))
    assert trace(fast) == trace(step)
    journal = ("protection", "exit")  # what protection did, and when: step's cycles, in fast
    assert [e for e in fast.store.events if e[1] in journal] == [
        e for e in step.store.events if e[1] in journal
    ]


# -- the store's kept lists -----------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["intent", "resolve", "order"]), st.integers(0, 6), st.booleans()
        ),
        max_size=40,
    )
)
def test_the_memory_store_lists_pending_intents_and_open_orders_as_a_scan_would(
    ops: list[tuple[str, int, bool]],
) -> None:
    store = MemoryStateStore()
    for op, n, flag in ops:
        cid = f"bt-{n}"
        if op == "intent":
            request = OrderRequest(cid, BTC, Side.BUY, OrderType.MARKET, Decimal(1))
            if cid not in store._intents:
                store.record_intent(request, n)
        elif op == "resolve":
            store.resolve_intent(cid, "rejected", n)
        else:
            status = OrderStatus.NEW if flag else OrderStatus.FILLED
            store.record_order(
                Order(cid, f"x{n}", BTC, Side.BUY, OrderType.MARKET, Decimal(1), Decimal(0), status)
            )
        pending = [i for k, i in store._intents.items() if store._outcomes[k] == "pending"]
        assert store.load_pending_intents() == pending
        assert store.load_open_orders() == [o for o in store._orders.values() if o.status.is_open]
