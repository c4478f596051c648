"""BaselineStrategy.skip stands in for candles a fast backtest does not show the strategy: moved over
a stretch that answered HOLD without moving the regime, it must be the strategy that saw each candle.
And quiet_view is a copy, never a handle on the strategy's state."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.indicators import RollingMean
from bot_v2.features.live_trade.strategies.baseline import BaselineParams, BaselineStrategy

from ._support import SYMBOL, act, candle

D = Decimal
# What holds the stretch: the executor's own position, or one put there from outside (a restart,
# a manual trade), including one whose entry price is unknown (0): its stop starts at a close.
OUTSIDE = {
    "executor": None,
    "flat": Position(SYMBOL),
    "long": Position(SYMBOL, D(1), D(15)),
    "short": Position(SYMBOL, D(-1), D(15)),
    "long, entry unknown": Position(SYMBOL, D(1), D(0)),
    "short, entry unknown": Position(SYMBOL, D(-1), D(0)),
}


def drive(
    strategy: BaselineStrategy, closes: list[int], first: int, position: Position
) -> tuple[list[Signal], Position]:
    """on_candle over closes, candle indices from `first`, acting on each signal at its close."""
    signals = []
    for index, close in enumerate(closes, start=first):
        bar = candle(close, index)
        signal = strategy.on_candle(bar, position)
        signals.append(signal)
        position = act(position, signal.action, bar.close)
    return signals, position


def quiet_length(strategy: BaselineStrategy, closes: list[int], first: int, held: Position) -> int:
    """How many of `closes` answer HOLD with `held` and leave the regime as it is (on a copy)."""
    probe = copy.deepcopy(strategy)
    for k, close in enumerate(closes):
        before = probe.quiet_view(SYMBOL)
        signal = probe.on_candle(candle(close, first + k), held)
        after = probe.quiet_view(SYMBOL)
        regime = before.regime if before is not None else None
        if signal.action is not Action.HOLD or after is None or after.regime is not regime:
            return k
    return len(closes)


def mean_after(closes: list[int], window: int) -> RollingMean:
    mean = RollingMean(window)
    for close in closes:
        mean.update(float(close))
    return mean


def best_close(closes: list[int], side: Side | None) -> Decimal | None:
    """The first best close of the stretch for the held side, as the candles carry it."""
    if side is None:
        return None
    prices = [candle(c).close for c in closes]
    return max(prices) if side is Side.BUY else min(prices)


def walk(steps: list[int]) -> list[int]:
    """Integer closes (ties between the averages happen) that trend for a while, then turn."""
    closes, price = [], 40
    for step in steps:
        price = max(1, price + step)
        closes.append(price)
    return closes


steps = st.lists(st.integers(-3, 3), max_size=50)


@settings(max_examples=400, deadline=None)
@given(
    before_steps=steps,
    after_steps=steps.filter(bool),
    short=st.integers(1, 4),
    extra=st.integers(1, 6),
    confirm=st.integers(0, 2),
    stop=st.sampled_from(["0", "0.05", "0.3"]),
    shorts=st.booleans(),
    outside=st.sampled_from(sorted(OUTSIDE)),
)
def test_skip_is_the_same_as_seeing_each_candle_that_held(
    before_steps: list[int],
    after_steps: list[int],
    short: int,
    extra: int,
    confirm: int,
    stop: str,
    shorts: bool,
    outside: str,
) -> None:
    params = BaselineParams(short, short + extra, confirm, D(stop), shorts)
    seeing, skipping = BaselineStrategy(params), BaselineStrategy(params)
    closes = walk(before_steps + after_steps)
    split = len(before_steps)
    before, position = drive(seeing, closes[:split], 0, Position(SYMBOL))
    assert drive(skipping, closes[:split], 0, Position(SYMBOL))[0] == before
    held = OUTSIDE[outside] or position

    bars = quiet_length(seeing, closes[split:], split, held)
    stretch = closes[split : split + bars]
    if bars:
        drive(seeing, stretch, split, held)
        fed = closes[: split + bars]
        skipping.skip(
            SYMBOL,
            held,
            mean_after(fed, params.short_window),
            mean_after(fed, params.long_window),
            bars,
            best_close(stretch, held.side),
        )
    assert skipping.quiet_view(SYMBOL) == seeing.quiet_view(SYMBOL)

    # And from then on the two answer alike (the averages moved too).
    rest = closes[split + bars :]
    assert drive(skipping, rest, split + bars, held) == drive(seeing, rest, split + bars, held)
    assert skipping.quiet_view(SYMBOL) == seeing.quiet_view(SYMBOL)


def test_a_view_is_none_before_the_first_candle_and_a_copy_after() -> None:
    strategy = BaselineStrategy(BaselineParams(2, 4, 0, D("0.1")))
    assert strategy.quiet_view(SYMBOL) is None
    long = Position(SYMBOL, D(1), D(100))
    strategy.on_candle(candle(101, 0), long)
    view = strategy.quiet_view(SYMBOL)
    assert view is not None
    assert (view.regime, view.tracked, view.best, view.bars_in_regime) == (None, Side.BUY, 101, 0)
    strategy.on_candle(candle(105, 1), long)
    assert view.best == 101 and strategy.quiet_view(SYMBOL) != view


def test_stop_best_is_the_best_so_far_or_where_a_new_stop_starts() -> None:
    strategy = BaselineStrategy(BaselineParams(2, 4, 0, D("0.1")))
    strategy.on_candle(candle(101, 0), Position(SYMBOL, D(1), D(100)))
    view = strategy.quiet_view(SYMBOL)
    assert view is not None
    assert view.stop_best(Position(SYMBOL, D(2), D(100)), D(99)) == 101
    assert view.stop_best(Position(SYMBOL, D(-1), D(120)), D(99)) == 120
    assert view.stop_best(Position(SYMBOL, D(-1), D(0)), D(99)) == 99
    with pytest.raises(ValueError, match="flat position has no trailing stop"):
        view.stop_best(Position(SYMBOL), D(99))


def test_skip_refuses_no_candles_and_a_held_position_without_its_best_close() -> None:
    strategy = BaselineStrategy(BaselineParams(2, 4))
    means = RollingMean(2), RollingMean(4)
    with pytest.raises(ValueError, match="bars must be >= 1"):
        strategy.skip(SYMBOL, Position(SYMBOL), *means, 0, None)
    with pytest.raises(ValueError, match="needs the best close"):
        strategy.skip(SYMBOL, Position(SYMBOL, D(1), D(10)), *means, 3, None)
