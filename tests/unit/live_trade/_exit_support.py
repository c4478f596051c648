"""A market, positions and a plan step for the exit tests."""

from __future__ import annotations

from decimal import Decimal

from bot_v2.domain.market import MarketSpec
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.plan import open_exit_state, plan_exits
from bot_v2.features.live_trade.exits.prices import PricesSeen
from bot_v2.features.live_trade.exits.settings import ExitSettings
from bot_v2.features.live_trade.exits.values import ExitPlan, ExitState

D = Decimal
BTC = "BTC/USDT:USDT"
MARKET = MarketSpec(BTC, tick_size=D("0.1"), step_size=D("0.001"), min_size=D("0.001"))
HOUR_MS = 3_600_000


def long(size: str = "1", entry: str = "100") -> Position:
    return Position(BTC, D(size), D(entry))


def short(size: str = "1", entry: str = "100") -> Position:
    return Position(BTC, -D(size), D(entry))


def opened(settings: ExitSettings, position: Position, atr: str | None = None) -> ExitState:
    return open_exit_state(settings, position, MARKET, None if atr is None else D(atr), 0)


def step(
    settings: ExitSettings,
    state: ExitState,
    position: Position,
    high: str,
    low: str | None = None,
    *,
    atr: str | None = None,
    now_ms: int = 1,
) -> tuple[ExitState, ExitPlan]:
    seen = PricesSeen(D(high), D(high if low is None else low))
    return plan_exits(
        settings, state, position, MARKET, seen, None if atr is None else D(atr), now_ms
    )
