"""The take-profit ladder: rung prices and sizes, partial fills and other reductions."""

from __future__ import annotations

from bot_v2.features.live_trade.exits.settings import ExitSettings, StopMode
from bot_v2.features.live_trade.exits.values import TakeProfitRung

from ._exit_support import D, long, opened, short, step

LADDER = ExitSettings(
    stop_loss=StopMode.OFF,
    take_profit_distances=(D("0.01"), D("0.02"), D("0.03")),
    take_profit_fractions=(D("0.3"), D("0.3"), D("0.4")),
)


def test_each_rung_closes_its_fraction_of_the_entry_size_at_its_distance() -> None:
    state = opened(LADDER, long())
    _, plan = step(LADDER, state, long(), "100")
    assert plan.take_profits == (
        TakeProfitRung(0, D("101.0"), D("0.3")),
        TakeProfitRung(1, D("102.0"), D("0.3")),
        TakeProfitRung(2, D("103.0"), D("0.4")),
    )


def test_a_short_ladder_is_below_entry() -> None:
    _, plan = step(LADDER, opened(LADDER, short()), short(), "100")
    assert [r.price for r in plan.take_profits] == [D("99.0"), D("98.0"), D("97.0")]


def test_rung_prices_round_toward_the_entry() -> None:
    settings = ExitSettings(take_profit_distances=(D("0.01"),), take_profit_fractions=(D(1),))
    # 1% above 100.05 is 101.0505: a long's rung takes 101.0; below, a short's 99.0495 takes 99.1.
    _, plan = step(settings, opened(settings, long(entry="100.05")), long(entry="100.05"), "100")
    assert plan.take_profits[0].price == D("101.0")
    _, plan = step(settings, opened(settings, short(entry="100.05")), short(entry="100.05"), "100")
    assert plan.take_profits[0].price == D("99.1")


def test_a_filled_rung_is_gone_and_counted() -> None:
    state = opened(LADDER, long())
    state, plan = step(LADDER, state, long(size="0.7"), "101")
    assert [r.index for r in plan.take_profits] == [1, 2]
    assert state.rungs_filled == 1


def test_a_partly_filled_rung_keeps_only_its_rest() -> None:
    state = opened(LADDER, long())
    state, plan = step(LADDER, state, long(size="0.9"), "101")
    assert plan.take_profits[0] == TakeProfitRung(0, D("101.0"), D("0.2"))
    assert [r.size for r in plan.take_profits[1:]] == [D("0.3"), D("0.4")]
    assert state.rungs_filled == 0


def test_a_reduction_past_a_rung_uses_up_the_next_ones_nearest_first() -> None:
    # 0.8 gone (a manual close, say): rungs 0 and 1 (0.6) are used up and 0.2 of rung 2.
    state, plan = step(LADDER, opened(LADDER, long()), long(size="0.2"), "100")
    assert plan.take_profits == (TakeProfitRung(2, D("103.0"), D("0.2")),)
    assert state.rungs_filled == 2


def test_fractions_summing_to_one_end_the_ladder_flat_despite_rounding() -> None:
    settings = ExitSettings(
        take_profit_distances=(D("0.01"), D("0.02"), D("0.03")),
        take_profit_fractions=(D("0.333"), D("0.333"), D("0.334")),
    )
    # 0.007 x 0.333 rounds down to 0.002: the last rung takes the rest, 0.003.
    _, plan = step(settings, opened(settings, long(size="0.007")), long(size="0.007"), "100")
    assert [r.size for r in plan.take_profits] == [D("0.002"), D("0.002"), D("0.003")]


def test_a_rest_below_the_minimum_size_is_left_out() -> None:
    settings = ExitSettings(take_profit_distances=(D("0.01"),), take_profit_fractions=(D("0.1"),))
    _, plan = step(settings, opened(settings, long(size="0.005")), long(size="0.005"), "100")
    assert plan.take_profits == ()


def test_an_entry_filled_in_parts_grows_the_ladder() -> None:
    state = opened(LADDER, long(size="0.5"))
    state, plan = step(LADDER, state, long(size="1", entry="101"), "101")
    assert state.entry_size == D(1) and state.entry_price == D(101)
    assert [r.size for r in plan.take_profits] == [D("0.3"), D("0.3"), D("0.4")]
