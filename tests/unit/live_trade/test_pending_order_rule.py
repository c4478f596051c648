"""A symbol with an order in doubt is reduce-only: no new exposure on it, closing still allowed,
and other symbols trade as usual."""

from __future__ import annotations

import attrs

from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.risk.pre_trade import PreTradeRisk
from tests.unit.live_trade.test_risk_rules import BTC, ETH, LIMITS, ctx, order


def test_an_opening_order_on_a_pending_symbol_is_rejected_by_the_default_rules() -> None:
    pending = attrs.evolve(ctx(), pending_symbols=frozenset({BTC}))
    verdict = PreTradeRisk(LIMITS).check(order(Side.BUY, "1"), pending)
    assert not verdict.approved
    assert verdict.reason.startswith("pending_order: ")
    assert "outcome is unknown" in verdict.reason


def test_adding_to_a_position_on_a_pending_symbol_is_rejected() -> None:
    pending = attrs.evolve(ctx({BTC: "1"}), pending_symbols=frozenset({BTC}))
    assert not PreTradeRisk(LIMITS).check(order(Side.BUY, "1"), pending).approved
    # Flipping through zero opens the other side: rejected too.
    assert not PreTradeRisk(LIMITS).check(order(Side.SELL, "2"), pending).approved


def test_closing_on_a_pending_symbol_and_opening_elsewhere_pass() -> None:
    pending = attrs.evolve(ctx({BTC: "1"}), pending_symbols=frozenset({BTC}))
    risk = PreTradeRisk(LIMITS)
    assert risk.check(order(Side.SELL, "1", reduce_only=True), pending).approved
    assert risk.check(order(Side.BUY, "1", symbol=ETH), pending).approved


def test_without_pending_symbols_the_same_order_passes() -> None:
    assert PreTradeRisk(LIMITS).check(order(Side.BUY, "1"), ctx()).approved
    assert ctx().pending_symbols == frozenset()
