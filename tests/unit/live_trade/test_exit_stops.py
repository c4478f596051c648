"""One test per stop: stop-loss (percent, atr), trailing (percent, atr, activation) and
break-even, each for the side it protects; rounding to the tick in the safe direction."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.settings import ExitSettings, StopMode
from bot_v2.features.live_trade.exits.values import ExitKind

from ._exit_support import D, long, opened, short, step

PERCENT = ExitSettings(stop_loss=StopMode.PERCENT, stop_loss_pct=D("0.04"))


def test_a_long_gets_its_stop_loss_below_entry_and_a_short_above() -> None:
    assert opened(PERCENT, long()).stop_price == D("96.0")
    assert opened(PERCENT, short()).stop_price == D("104.0")
    assert opened(PERCENT, long()).stop_kind is ExitKind.STOP_LOSS


def test_the_stop_rounds_toward_the_price_never_farther_from_entry() -> None:
    # 3% of 100.05 below: 97.0485, between ticks 97.0 and 97.1: the long's stop takes 97.1.
    settings = ExitSettings(stop_loss_pct=D("0.03"))
    assert opened(settings, long(entry="100.05")).stop_price == D("97.1")
    # Above for a short: 103.0515 -> 103.0.
    assert opened(settings, short(entry="100.05")).stop_price == D("103.0")


def test_no_stop_when_stop_loss_is_off() -> None:
    state = opened(ExitSettings(stop_loss=StopMode.OFF), long())
    assert state.stop_price is None
    _, plan = step(ExitSettings(stop_loss=StopMode.OFF), state, long(), "110", "90")
    assert plan.stop_price is None


def test_atr_stop_loss_is_a_multiple_of_the_atr_at_entry() -> None:
    settings = ExitSettings(stop_loss=StopMode.ATR, stop_loss_pct=D("0.1"), stop_loss_atr=D(2))
    assert opened(settings, long(), atr="1.5").stop_price == D("97.0")
    assert opened(settings, short(), atr="1.5").stop_price == D("103.0")


def test_atr_stop_loss_is_never_farther_than_the_percent_and_uses_it_until_the_atr_is_known() -> (
    None
):
    settings = ExitSettings(stop_loss=StopMode.ATR, stop_loss_pct=D("0.04"), stop_loss_atr=D(2))
    assert opened(settings, long(), atr="5").stop_price == D("96.0")  # 2 x 5 = 10% > 4%
    assert opened(settings, long(), atr=None).stop_price == D("96.0")


def test_the_stop_loss_is_not_recomputed_from_a_later_atr() -> None:
    settings = ExitSettings(stop_loss=StopMode.ATR, stop_loss_pct=D("0.1"), stop_loss_atr=D(2))
    state = opened(settings, long(), atr="1")
    state, plan = step(settings, state, long(), "100", atr="4")
    assert plan.stop_price == D("98.0")


def test_trailing_percent_follows_the_best_price_and_names_itself() -> None:
    settings = ExitSettings(
        stop_loss_pct=D("0.05"), trailing=StopMode.PERCENT, trailing_pct=D("0.02")
    )
    state = opened(settings, long())
    assert state.stop_price == D("98.0") and state.stop_kind is ExitKind.TRAILING
    state, plan = step(settings, state, long(), "110", "99")
    assert plan.stop_price == D("107.8") and plan.stop_kind is ExitKind.TRAILING
    state, plan = step(settings, state, long(), "105", "100")  # a lower high moves nothing
    assert plan.stop_price == D("107.8")


def test_trailing_for_a_short_follows_the_low() -> None:
    settings = ExitSettings(
        stop_loss=StopMode.OFF, trailing=StopMode.PERCENT, trailing_pct=D("0.02")
    )
    state = opened(settings, short())
    state, plan = step(settings, state, short(), "101", "90")
    assert plan.stop_price == D("91.8")
    state, plan = step(settings, state, short(), "95", "93")
    assert plan.stop_price == D("91.8")


def test_trailing_atr_widens_with_the_atr_but_never_moves_the_stop_back() -> None:
    settings = ExitSettings(
        stop_loss=StopMode.OFF, trailing=StopMode.ATR, trailing_pct=D("0.1"), trailing_atr=D(2)
    )
    state = opened(settings, long(), atr="1")
    assert state.stop_price == D("98.0")
    state, plan = step(settings, state, long(), "100", atr="3")  # 100 - 6 = 94 would move it back
    assert plan.stop_price == D("98.0")
    state, plan = step(settings, state, long(), "110", atr="3")
    assert plan.stop_price == D("104.0")


def test_trailing_waits_for_its_activation_profit() -> None:
    settings = ExitSettings(
        stop_loss_pct=D("0.05"),
        trailing=StopMode.PERCENT,
        trailing_pct=D("0.02"),
        trailing_activation_pct=D("0.05"),
    )
    state = opened(settings, long())
    state, plan = step(settings, state, long(), "104.9", "100")
    assert plan.stop_price == D("95.0") and plan.stop_kind is ExitKind.STOP_LOSS
    state, plan = step(settings, state, long(), "105", "100")
    assert plan.stop_price == D("102.9") and plan.stop_kind is ExitKind.TRAILING


@pytest.mark.parametrize(
    ("position", "best", "worse", "expected"),
    [(long(), "101", "99", D("100.1")), (short(), "99", "101", D("99.9"))],
)
def test_break_even_moves_the_stop_to_entry_plus_fees_once_armed_and_never_back(
    position: Position, best: str, worse: str, expected: Decimal
) -> None:
    settings = ExitSettings(break_even_after_pct=D("0.01"), break_even_fee_pct=D("0.001"))
    state = opened(settings, position)
    state, plan = step(settings, state, position, best)
    assert state.break_even_armed
    assert plan.stop_price == expected and plan.stop_kind is ExitKind.BREAK_EVEN
    state, plan = step(settings, state, position, worse)
    assert state.break_even_armed and plan.stop_price == expected


def test_break_even_is_not_armed_short_of_its_profit() -> None:
    settings = ExitSettings(break_even_after_pct=D("0.01"))
    state, plan = step(settings, opened(settings, long()), long(), "100.9", "99")
    assert not state.break_even_armed and plan.stop_kind is ExitKind.STOP_LOSS


def test_a_position_that_changed_side_needs_a_new_state() -> None:
    state = opened(PERCENT, long())
    with pytest.raises(ValueError, match="open_exit_state"):
        step(PERCENT, state, short(), "100")
    with pytest.raises(ValueError, match="flat"):
        step(PERCENT, state, long(size="0"), "100")
