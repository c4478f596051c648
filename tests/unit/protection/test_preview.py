"""`orders preview` shows what the venue would hold once the order fills: the exits' stop (and
take-profit rungs) for the resulting position, as the protection pass would place them."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.domain.orders import OrderRequest, OrderType, Side
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.settings import ExitSettings
from bot_v2.features.live_trade.protection.planner import ExitsPlanner
from bot_v2.features.live_trade.protection.preview import describe, protection_after
from tests.unit.protection._support import BTC, MARKETS, NOW, SETTINGS

SETTINGS_WITH_LADDER = ExitSettings(
    stop_loss_pct=Decimal("0.04"),
    take_profit_distances=(Decimal("0.05"), Decimal("0.1")),
    take_profit_fractions=(Decimal("0.5"), Decimal("0.5")),
)


def buy(size: str) -> OrderRequest:
    return OrderRequest("preview", BTC, Side.BUY, OrderType.MARKET, Decimal(size))


def test_an_entry_shows_its_stop_and_rungs() -> None:
    planner = ExitsPlanner(SETTINGS_WITH_LADDER, MARKETS)
    records = protection_after(
        buy("1"), Position(BTC), Decimal(100), planner, MARKETS[BTC], SETTINGS, NOW
    )
    assert [describe(r) for r in records] == [
        "stop (stop_loss): sell 1 reduce-only, triggers at 96.0",
        "take-profit 0 (take_profit): sell 0.5 reduce-only, triggers at 105.0",
        "take-profit 1 (take_profit): sell 0.5 reduce-only, triggers at 110.0",
    ]


def test_a_closing_order_leaves_nothing_to_protect() -> None:
    planner = ExitsPlanner(ExitSettings(), MARKETS)
    close = OrderRequest("preview", BTC, Side.SELL, OrderType.MARKET, Decimal(1), reduce_only=True)
    held = Position(BTC, Decimal(1), Decimal(100))
    assert protection_after(close, held, Decimal(100), planner, MARKETS[BTC], SETTINGS, NOW) == ()
