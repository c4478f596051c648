from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest

from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.domain.positions import Position
from bot_v2.domain.risk import RiskLimits, RiskVerdict
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.pre_trade import PreTradeRisk, day_loss_breached, is_reducing
from bot_v2.features.live_trade.risk.rules import (
    DEFAULT_RULES,
    daily_loss,
    kill_switch,
    max_leverage,
    max_order_notional,
    reduce_only_mode,
    stale_mark,
    symbol_exposure,
    total_exposure,
)

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
D = Decimal

LIMITS = RiskLimits(
    max_leverage=D(3),
    max_order_notional=D(10_000),
    max_symbol_notional=D(20_000),
    max_total_notional=D(25_000),
    daily_loss_limit=D(500),
)


def order(side: Side, size: str, symbol: str = BTC, reduce_only: bool = False) -> OrderRequest:
    return OrderRequest("cid", symbol, side, OrderType.MARKET, D(size), reduce_only=reduce_only)


def ctx(
    positions: Mapping[str, str] | None = None,
    *,
    equity: str = "10000",
    marks: Mapping[str, str] | None = None,
    day_pnl: str = "0",
    kill: bool = False,
    reduce_only: bool = False,
    stale: frozenset[str] = frozenset(),
) -> RiskContext:
    """Positions as signed sizes, entered at the mark (BTC 1000, ETH 100 unless told)."""
    mark_map = {BTC: D(1000), ETH: D(100)} if marks is None else {k: D(v) for k, v in marks.items()}
    held = {
        symbol: Position(symbol, D(size), mark_map.get(symbol, D(1)))
        for symbol, size in (positions or {}).items()
    }
    return RiskContext(D(equity), held, mark_map, D(day_pnl), kill, reduce_only, stale)


def approved(verdict: RiskVerdict) -> bool:
    return verdict.approved


# --- is_reducing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "side", "amount", "expected"),
    [
        ("2", Side.SELL, "1", True),  # partial close of a long
        ("2", Side.SELL, "2", True),  # full close
        ("2", Side.SELL, "3", False),  # would flip
        ("2", Side.BUY, "1", False),  # adds
        ("-2", Side.BUY, "2", True),  # closes a short
        ("0", Side.SELL, "1", False),  # opens from flat
    ],
)
def test_is_reducing(size: str, side: Side, amount: str, expected: bool) -> None:
    assert is_reducing(order(side, amount), Position(BTC, D(size), D(100))) is expected


def test_reduce_only_flag_alone_is_not_reducing() -> None:
    assert not is_reducing(order(Side.BUY, "1", reduce_only=True), Position(BTC))
    assert not is_reducing(order(Side.BUY, "1", reduce_only=True), Position(BTC, D(1), D(9)))


# --- kill switch ---------------------------------------------------------------------------------


def test_kill_switch_off_accepts() -> None:
    assert approved(kill_switch.check(order(Side.BUY, "1"), ctx(), LIMITS))


def test_kill_switch_on_rejects_even_closing_orders() -> None:
    verdict = kill_switch.check(order(Side.SELL, "1"), ctx({BTC: "1"}, kill=True), LIMITS)
    assert not verdict.approved
    assert "kill switch" in verdict.reason


# --- reduce-only mode ----------------------------------------------------------------------------


def test_reduce_only_mode_accepts_a_close() -> None:
    assert approved(
        reduce_only_mode.check(order(Side.SELL, "1"), ctx({BTC: "1"}, reduce_only=True), LIMITS)
    )


def test_reduce_only_mode_rejects_opening_adding_and_flipping() -> None:
    on = ctx({BTC: "1"}, reduce_only=True)
    assert not approved(reduce_only_mode.check(order(Side.BUY, "1"), on, LIMITS))
    assert not approved(reduce_only_mode.check(order(Side.SELL, "2"), on, LIMITS))
    assert not approved(reduce_only_mode.check(order(Side.BUY, "1", symbol=ETH), on, LIMITS))


def test_reduce_only_mode_off_accepts_anything() -> None:
    assert approved(reduce_only_mode.check(order(Side.BUY, "5"), ctx(), LIMITS))


# --- stale mark ----------------------------------------------------------------------------------


def test_stale_mark_rejects_new_exposure_on_that_symbol_only() -> None:
    stale = ctx(stale=frozenset({BTC}))
    verdict = stale_mark.check(order(Side.BUY, "1"), stale, LIMITS)
    assert not verdict.approved and BTC in verdict.reason
    assert approved(stale_mark.check(order(Side.BUY, "1", symbol=ETH), stale, LIMITS))


def test_stale_mark_lets_a_close_through() -> None:
    stale = ctx({BTC: "-1"}, stale=frozenset({BTC}))
    assert approved(stale_mark.check(order(Side.BUY, "1"), stale, LIMITS))


# --- daily loss ----------------------------------------------------------------------------------


def test_daily_loss_under_the_limit_accepts() -> None:
    within = ctx(day_pnl="-499.99")
    assert not day_loss_breached(within.day_pnl, LIMITS)
    assert approved(daily_loss.check(order(Side.BUY, "1"), within, LIMITS))


def test_daily_loss_at_the_limit_rejects_new_exposure_but_not_closes() -> None:
    hit = ctx({BTC: "1"}, day_pnl="-500")
    assert day_loss_breached(hit.day_pnl, LIMITS)
    assert not approved(daily_loss.check(order(Side.BUY, "1"), hit, LIMITS))
    assert not approved(daily_loss.check(order(Side.SELL, "2"), hit, LIMITS))  # a flip adds risk
    assert approved(daily_loss.check(order(Side.SELL, "1"), hit, LIMITS))


# --- max order notional --------------------------------------------------------------------------


def test_order_notional_at_the_limit_accepts_above_rejects() -> None:
    assert approved(max_order_notional.check(order(Side.BUY, "10"), ctx(), LIMITS))
    verdict = max_order_notional.check(order(Side.BUY, "10.001"), ctx(), LIMITS)
    assert not verdict.approved and "max_order_notional" in verdict.reason


def test_order_notional_lets_a_large_close_through() -> None:
    assert approved(max_order_notional.check(order(Side.SELL, "15"), ctx({BTC: "15"}), LIMITS))


def test_missing_mark_rejects_with_a_clear_reason() -> None:
    no_mark = ctx(marks={ETH: "100"})
    for rule in (max_order_notional, symbol_exposure, total_exposure, max_leverage):
        verdict = rule.check(order(Side.BUY, "1"), no_mark, LIMITS)
        assert not verdict.approved
        assert verdict.reason == f"no mark price for {BTC}, cannot value the order"


def test_missing_mark_does_not_block_a_close() -> None:
    no_mark = ctx({BTC: "1"}, marks={})
    for rule in (max_order_notional, symbol_exposure, total_exposure, max_leverage):
        assert approved(rule.check(order(Side.SELL, "1"), no_mark, LIMITS))


# --- symbol exposure -----------------------------------------------------------------------------


def test_symbol_exposure_counts_the_existing_position() -> None:
    assert approved(symbol_exposure.check(order(Side.BUY, "5"), ctx({BTC: "15"}), LIMITS))
    verdict = symbol_exposure.check(order(Side.BUY, "5.1"), ctx({BTC: "15"}), LIMITS)
    assert not verdict.approved and "max_symbol_notional" in verdict.reason


def test_symbol_exposure_judges_a_flip_by_the_resulting_size() -> None:
    # Long 15, sell 40: short 25 -> 25000 > 20000.
    assert not approved(symbol_exposure.check(order(Side.SELL, "40"), ctx({BTC: "15"}), LIMITS))
    # Long 15, sell 30: short 15 -> 15000.
    assert approved(symbol_exposure.check(order(Side.SELL, "30"), ctx({BTC: "15"}), LIMITS))


def test_symbol_exposure_lets_a_reduction_through_while_over_the_limit() -> None:
    over = ctx({BTC: "30"})
    assert approved(symbol_exposure.check(order(Side.SELL, "1"), over, LIMITS))


# --- total exposure ------------------------------------------------------------------------------


def test_total_exposure_adds_other_symbols() -> None:
    # ETH short 100 @100 = 10000; BTC long 10 @1000 = 10000; +5 BTC -> 25000: at the limit.
    held = ctx({ETH: "-100", BTC: "10"}, equity="100000")
    assert approved(total_exposure.check(order(Side.BUY, "5"), held, LIMITS))
    verdict = total_exposure.check(order(Side.BUY, "5.001"), held, LIMITS)
    assert not verdict.approved and "max_total_notional" in verdict.reason


def test_total_exposure_values_other_symbols_without_a_mark_at_entry() -> None:
    held = RiskContext(
        D(100_000), {ETH: Position(ETH, D(200), D(100))}, {BTC: D(1000)}, D(0), False, False
    )
    assert not approved(total_exposure.check(order(Side.BUY, "5.001"), held, LIMITS))
    assert approved(total_exposure.check(order(Side.BUY, "5"), held, LIMITS))


# --- max leverage --------------------------------------------------------------------------------


def test_leverage_at_the_limit_accepts_above_rejects() -> None:
    small = ctx(equity="5000")
    # 15 BTC @1000 = 15000 = 3x of 5000.
    assert approved(max_leverage.check(order(Side.BUY, "15"), small, LIMITS))
    verdict = max_leverage.check(order(Side.BUY, "15.001"), small, LIMITS)
    assert not verdict.approved and "max_leverage" in verdict.reason


def test_leverage_counts_all_positions() -> None:
    held = ctx({ETH: "100"}, equity="5000")  # 10000 already: 2x
    assert approved(max_leverage.check(order(Side.BUY, "5"), held, LIMITS))
    assert not approved(max_leverage.check(order(Side.BUY, "5.1"), held, LIMITS))


def test_leverage_rejects_new_exposure_without_equity_but_allows_reducing() -> None:
    broke = ctx({BTC: "1"}, equity="0")
    assert not approved(max_leverage.check(order(Side.BUY, "0.001"), broke, LIMITS))
    assert approved(max_leverage.check(order(Side.SELL, "1"), broke, LIMITS))


def test_leverage_lets_a_reduction_through_while_over_the_limit() -> None:
    over = ctx({BTC: "50"}, equity="1000")
    assert approved(max_leverage.check(order(Side.SELL, "10"), over, LIMITS))


# --- PreTradeRisk --------------------------------------------------------------------------------


def test_pre_trade_accepts_a_reasonable_order() -> None:
    assert PreTradeRisk(LIMITS).check(order(Side.BUY, "1"), ctx()) == RiskVerdict.ok()


def test_pre_trade_first_rejection_wins_with_the_rule_name() -> None:
    everything_wrong = ctx(kill=True, day_pnl="-1000", stale=frozenset({BTC}))
    verdict = PreTradeRisk(LIMITS).check(order(Side.BUY, "100"), everything_wrong)
    assert not verdict.approved
    assert verdict.reason.startswith("kill_switch: ")


def test_pre_trade_names_the_rule_that_rejected() -> None:
    verdict = PreTradeRisk(LIMITS).check(order(Side.BUY, "12"), ctx(equity="100000"))
    assert verdict.reason.startswith("max_order_notional: ")


def test_pre_trade_lets_a_close_through_everything_but_the_kill_switch() -> None:
    bad_day = ctx(
        {BTC: "40"}, equity="1000", day_pnl="-5000", reduce_only=True, stale=frozenset({BTC})
    )
    assert PreTradeRisk(LIMITS).check(order(Side.SELL, "40"), bad_day).approved


def test_pre_trade_runs_custom_rules() -> None:
    def never(request: OrderRequest, ctx: RiskContext, limits: RiskLimits) -> RiskVerdict:
        return RiskVerdict.reject("no")

    risk = PreTradeRisk(LIMITS, rules=[*DEFAULT_RULES, ("never", never)])
    assert risk.check(order(Side.BUY, "1"), ctx()).reason == "never: no"


def test_default_rules_have_unique_names() -> None:
    names = [name for name, _ in DEFAULT_RULES]
    assert len(names) == len(set(names)) == 14
