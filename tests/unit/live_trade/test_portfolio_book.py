"""The portfolio strategy API: the history view ends at the cycle's time, the book routes each
symbol to its slot, a per-candle strategy in a slot answers as it does alone, pairs moves both legs
together, the ensemble follows its weighted vote."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.domain.market import Candle
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.strategies.ensemble import EnsembleParams, EnsembleStrategy
from bot_v2.features.live_trade.strategies.momentum import MomentumParams, MomentumStrategy
from bot_v2.features.live_trade.strategies.pairs import PairsParams, PairsStrategy
from bot_v2.features.live_trade.strategies.pairs.strategy import hedge_weights, spread_z
from bot_v2.features.live_trade.strategies.portfolio import (
    HistoryView,
    PerCandle,
    ReadAhead,
    Slot,
    SlotSignal,
    StrategyBook,
)

A, B, C = "BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"
TF = 3_600_000


def candle(symbol: str, i: int, close: float) -> Candle:
    price = Decimal(str(close))
    return Candle(symbol, TF, i * TF, price, price, price, price, Decimal(1))


class Peeker:
    """A strategy that tries to read the candle after the cycle's time."""

    name = "peeker"
    seen: list[int]

    def __init__(self) -> None:
        self.seen = []

    def warmup_candles(self) -> int:
        return 1

    def decide(self, view: HistoryView, positions: Mapping[str, Position]) -> Sequence[Signal]:
        newest = view.candle(A)
        assert newest.close_time_ms <= view.now_ms
        self.seen.append(newest.timestamp_ms)
        with pytest.raises(ReadAhead):
            view.candle(A, -1)
        return ()


def test_a_strategy_cannot_read_the_next_candle() -> None:
    peeker = Peeker()
    book = StrategyBook([Slot("p", (A,), Decimal(1), peeker)])
    for i in range(5):
        book.decide([candle(A, i, 100 + i)], (i + 1) * TF, {})
    # Each decision saw exactly the candle closing at its time, never a later one.
    assert peeker.seen == [0, TF, 2 * TF, 3 * TF, 4 * TF]


def test_the_view_refuses_a_candle_still_open() -> None:
    view = HistoryView((A,), 3)
    with pytest.raises(ReadAhead):
        view.record([candle(A, 5, 1.0)], 5 * TF)  # it closes at 6 * TF


def test_the_book_routes_each_symbol_to_its_slot_only() -> None:
    seen: dict[str, list[tuple[str, ...]]] = {"x": [], "y": []}

    class Echo:
        name = "echo"

        def __init__(self, label: str) -> None:
            self.label = label

        def warmup_candles(self) -> int:
            return 1

        def decide(self, view: HistoryView, positions: Mapping[str, Position]) -> Sequence[Signal]:
            seen[self.label].append(view.fresh)
            # A signal for a symbol of another slot is dropped by the book.
            return [Signal(s, Action.OPEN_LONG) for s in (A, B, C)]

    book = StrategyBook(
        [Slot("x", (A, B), Decimal("0.5"), Echo("x")), Slot("y", (C,), Decimal("0.3"), Echo("y"))]
    )
    out = book.decide([candle(A, 0, 1), candle(C, 0, 1)], TF, {})
    assert seen == {"x": [(A,)], "y": [(C,)]}
    assert [(s.slot, s.signal.symbol) for s in out] == [("x", A), ("x", B), ("y", C)]
    assert book.allocation(C) == Decimal("0.3") and book.allocation("XRP/USDT:USDT") == 0
    with pytest.raises(ValueError, match="is in slots"):
        StrategyBook(
            [Slot("x", (A,), Decimal(1), Echo("x")), Slot("y", (A,), Decimal(0), Echo("y"))]
        )


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.97, 1.03), min_size=20, max_size=120), st.integers(0, 1000))
def test_a_per_candle_strategy_in_a_slot_answers_as_it_does_alone(
    moves: list[float], seed: int
) -> None:
    params = MomentumParams(lookback=3, threshold_pct=Decimal("0.005"), vol_window=4)
    alone, wrapped = MomentumStrategy(params), MomentumStrategy(params)
    book = StrategyBook([Slot("m", (A, B), Decimal(1), PerCandle(wrapped))])
    rng = np.random.default_rng(seed)
    price = {A: 100.0, B: 50.0}
    for i, move in enumerate(moves):
        group = []
        for s in (A, B):
            price[s] *= move if s == A else float(rng.uniform(0.98, 1.02))
            group.append(candle(s, i, round(price[s], 4)))
        expected = [alone.on_candle(c, Position(c.symbol)) for c in group]
        got = {x.signal.symbol: x.signal for x in book.decide(group, (i + 1) * TF, {})}
        for signal in expected:
            if signal.action is Action.HOLD:
                assert signal.symbol not in got
            else:
                assert got[signal.symbol] == signal


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10_000), st.integers(10, 60))
def test_spread_z_is_the_ols_residuals_z_score(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    b = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    a = 50 * np.exp(0.8 * np.log(b / 100) + rng.normal(0, 0.005, n))
    found = spread_z(list(a), list(b))
    assert found is not None
    beta, z = found
    slope, intercept = np.polyfit(np.log(b), np.log(a), 1)
    residuals = np.log(a) - intercept - slope * np.log(b)
    assert math.isclose(beta, slope, rel_tol=1e-6, abs_tol=1e-9)
    assert math.isclose(z, residuals[-1] / residuals.std(), rel_tol=1e-6, abs_tol=1e-6)


def _pairs_run(closes_a: list[float], closes_b: list[float], held: dict[str, Position]):
    pairs = PairsStrategy(PairsParams(window=10, entry_z=Decimal("1.5"), exit_z=Decimal("0.3")))
    book = StrategyBook([Slot("p", (A, B), Decimal(1), pairs)])
    out = []
    for i, (x, y) in enumerate(zip(closes_a, closes_b, strict=True)):
        out = book.decide([candle(A, i, x), candle(B, i, y)], (i + 1) * TF, held)
    return [(s.signal.symbol, s.signal.action) for s in out]


def test_pairs_opens_both_legs_when_the_spread_is_rich_and_closes_both_at_the_mean() -> None:
    b = [200 + (i % 3) for i in range(11)]
    # A follows B with a little noise of its own, none on the last candle (the spread at its mean).
    base = [x / 2 * (1 + (0.001 * (-1) ** i if i < 10 else 0)) for i, x in enumerate(b)]
    rich = [*base[:-1], base[-1] * 1.05]  # A jumps against B on the last candle
    assert _pairs_run(rich, b, {}) == [(A, Action.OPEN_SHORT), (B, Action.OPEN_LONG)]
    cheap = [*base[:-1], base[-1] * 0.95]
    assert _pairs_run(cheap, b, {}) == [(A, Action.OPEN_LONG), (B, Action.OPEN_SHORT)]
    holding = {A: Position(A, Decimal(-1), Decimal(100)), B: Position(B, Decimal(1), Decimal(200))}
    assert _pairs_run(base, b, holding) == [(A, Action.CLOSE), (B, Action.CLOSE)]


def test_pairs_closes_a_leg_held_without_the_other() -> None:
    b = [200 + (i % 3) for i in range(11)]
    lone = {B: Position(B, Decimal(1), Decimal(200))}
    assert _pairs_run([x / 2 for x in b], b, lone) == [(B, Action.CLOSE)]


def test_pairs_waits_for_both_legs() -> None:
    pairs = PairsStrategy(PairsParams(window=10))
    book = StrategyBook([Slot("p", (A, B), Decimal(1), pairs)])
    lone = {B: Position(B, Decimal(1), Decimal(200))}
    # Only A closed a candle at this time: no decision, not even for the lone leg.
    assert book.decide([candle(A, 0, 100)], TF, lone) == []


class Fixed:
    """A member that always answers the same action."""

    def __init__(self, action: Action) -> None:
        self.action = action

    def warmup_candles(self) -> int:
        return 1

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        return Signal(candle.symbol, self.action)


@pytest.mark.parametrize(
    ("actions", "weights", "position", "expected"),
    [
        ((Action.OPEN_LONG, Action.OPEN_LONG, Action.OPEN_SHORT), "1,1,1", 0, Action.OPEN_LONG),
        ((Action.OPEN_LONG, Action.OPEN_SHORT, Action.OPEN_SHORT), "3,1,1", 0, Action.HOLD),
        ((Action.OPEN_LONG, Action.OPEN_SHORT, Action.OPEN_SHORT), "1,1,1", 0, Action.OPEN_SHORT),
        ((Action.OPEN_LONG, Action.CLOSE, Action.CLOSE), "1,2,2", 1, Action.CLOSE),
        ((Action.OPEN_LONG, Action.HOLD, Action.HOLD), "1,1,1", 1, Action.HOLD),
    ],
)
def test_the_ensemble_follows_its_weighted_vote(
    actions: tuple[Action, ...], weights: str, position: int, expected: Action
) -> None:
    ensemble = EnsembleStrategy(EnsembleParams(weights=weights, threshold=Decimal("0.3")))
    ensemble._members = [Fixed(a) for a in actions]  # type: ignore[assignment]
    held = Position(A, Decimal(position), Decimal(100))
    assert ensemble.on_candle(candle(A, 0, 100), held).action is expected


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sets(st.sampled_from([A, B]), min_size=1), min_size=1, max_size=40))
def test_the_view_holds_exactly_the_closed_candles_handed_to_it(steps: list[set[str]]) -> None:
    view = HistoryView((A, B), 5)
    fed: dict[str, list[Candle]] = {A: [], B: []}
    for i, symbols in enumerate(steps):
        group = [candle(s, i, 100 + i) for s in sorted(symbols)]
        view.record(group, (i + 1) * TF)
        for c in group:
            fed[c.symbol].append(c)
        assert set(view.fresh) == symbols and view.now_ms == (i + 1) * TF
        for s in (A, B):
            held = fed[s][-5:]
            assert view.count(s) == len(held)
            assert [view.candle(s, k) for k in range(len(held))] == held[::-1]
            assert all(c.close_time_ms <= view.now_ms for c in held)
            with pytest.raises(ReadAhead):
                view.candle(s, -1)


def test_pairs_params_refuse_an_exit_outside_the_entry() -> None:
    with pytest.raises(ValueError, match="exit_z must be < entry_z"):
        PairsParams(entry_z=Decimal(1), exit_z=Decimal(1))
    with pytest.raises(ValueError, match="stop_z must be 0 or > entry_z"):
        PairsParams(entry_z=Decimal(2), stop_z=Decimal(1))


@settings(max_examples=100, deadline=None)
@given(st.floats(1e-3, 1e3))
def test_hedge_weights_make_b_beta_times_a_with_the_larger_leg_whole(beta: float) -> None:
    wa, wb = hedge_weights(beta)
    assert 0 < wa <= 1 and 0 < wb <= 1 and max(wa, wb) == 1
    assert math.isclose(float(wb / wa), beta, rel_tol=1e-3)


def test_pairs_legs_carry_the_hedge_weights() -> None:
    pairs = PairsStrategy(PairsParams(window=10, entry_z=Decimal("1.5")))
    book = StrategyBook([Slot("p", (A, B), Decimal("0.5"), pairs)])
    b = [200 + (i % 3) for i in range(11)]
    a = [x / 2 * (1 + 0.001 * (-1) ** i) for i, x in enumerate(b)]
    a[-1] *= 1.05
    out: list[SlotSignal] = []
    for i in range(11):
        out = book.decide([candle(A, i, a[i]), candle(B, i, b[i])], (i + 1) * TF, {})
    assert pairs.last is not None
    assert [s.weight for s in out] == list(hedge_weights(pairs.last[0]))
