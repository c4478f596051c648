"""Shared values for the protection tests."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot_v2.domain.market import Candle, MarketSpec
from bot_v2.domain.orders import Order, OrderStatus, OrderType, Side
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.values import ExitKind, ExitPlan, ExitState, TakeProfitRung
from bot_v2.features.live_trade.protection import ProtectiveRecord, RecordStatus, Settings

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
MARKETS = {
    BTC: MarketSpec(
        BTC, tick_size=Decimal("0.1"), step_size=Decimal("0.001"), min_size=Decimal("0.001")
    ),
    ETH: MarketSpec(
        ETH, tick_size=Decimal("0.01"), step_size=Decimal("0.01"), min_size=Decimal("0.01")
    ),
}
SETTINGS = Settings(bot_id="bot")
NOW = 1_700_000_000_000


def long(size: str = "1", entry: str = "100", symbol: str = BTC) -> Position:
    return Position(symbol, Decimal(size), Decimal(entry))


def short(size: str = "1", entry: str = "100", symbol: str = BTC) -> Position:
    return Position(symbol, -Decimal(size), Decimal(entry))


def stop_plan(price: str, kind: ExitKind = ExitKind.STOP_LOSS) -> ExitPlan:
    return ExitPlan(stop_price=Decimal(price), stop_kind=kind)


def record(
    coid: str,
    trigger: str = "95",
    size: str = "1",
    side: Side = Side.SELL,
    *,
    rung: int | None = None,
    kind: ExitKind = ExitKind.STOP_LOSS,
    symbol: str = BTC,
    status: RecordStatus = RecordStatus.PLACED,
) -> ProtectiveRecord:
    return ProtectiveRecord(
        coid, symbol, kind, rung, side, Decimal(size), Decimal(trigger), NOW - 1000, status
    )


def venue_order(r: ProtectiveRecord) -> Order:
    return Order(
        client_order_id=r.client_order_id,
        exchange_order_id=f"x-{r.client_order_id}",
        symbol=r.symbol,
        side=r.side,
        type=OrderType.STOP_MARKET if r.rung is None else OrderType.TAKE_PROFIT_MARKET,
        size=r.size,
        filled=Decimal(0),
        status=OrderStatus.NEW,
        reduce_only=True,
        trigger_price=r.trigger_price,
    )


class PercentStop:
    """The simplest exit planner: a stop-loss a fixed fraction from the entry, moved by
    `stop_shift` (a test moves it anywhere, as no real exit would); optional rungs."""

    def __init__(self, pct: str, rungs: tuple[tuple[str, str], ...] = ()) -> None:
        self.pct = Decimal(pct)
        self.rungs = tuple((Decimal(d), Decimal(f)) for d, f in rungs)
        self.stop_shift = Decimal(0)

    def observe(self, candles: Sequence[Candle]) -> None:
        return None

    def open(self, position: Position, now_ms: int) -> ExitState:
        assert position.side is not None
        return ExitState(
            position.symbol, position.side, position.entry_price, now_ms, position.entry_price
        )

    def plan(
        self, position: Position, state: ExitState, mark: Decimal, now_ms: int
    ) -> tuple[ExitState, ExitPlan]:
        sign = 1 if position.size > 0 else -1
        entry = state.entry_price
        stop = entry * (1 - sign * self.pct) + sign * self.stop_shift
        rungs = tuple(
            TakeProfitRung(i, entry * (1 + sign * d), abs(position.size) * f)
            for i, (d, f) in enumerate(self.rungs)
            if i >= state.rungs_filled
        )
        return state, ExitPlan(stop_price=stop, take_profits=rungs)
