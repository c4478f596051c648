"""StrategyOrchestrator: for each newly closed candle, ask the strategy and hand its signal, with a
size, to execution. Candles arrive in time order per symbol, exactly as in a live stream."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal

from bot_v2.domain.market import Candle, MarketSpec
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action
from bot_v2.features.live_trade.execution import ExecutionCoordinator, OrderOutcome
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.sizing import target_size
from bot_v2.features.live_trade.strategies.base import Strategy


class StrategyOrchestrator:
    def __init__(
        self,
        strategy: Strategy,
        execution: ExecutionCoordinator,
        markets: Mapping[str, MarketSpec],
        position_fraction: Decimal,
        leverage: Decimal,
    ) -> None:
        self._strategy = strategy
        self._execution = execution
        self._markets = dict(markets)
        self._fraction = position_fraction
        self._leverage = leverage

    async def on_candles(
        self,
        candles: Sequence[Candle],
        context: Callable[[], Awaitable[RiskContext]],
        now_ms: int,
    ) -> list[OrderOutcome]:
        """`context` is awaited per acting decision so each sees the fills of the ones before it."""
        outcomes: list[OrderOutcome] = []
        ctx = await context()
        for candle in candles:
            position = ctx.positions.get(candle.symbol) or Position(candle.symbol)
            signal = self._strategy.on_candle(candle, position)
            if signal.action is Action.HOLD:
                continue
            size = target_size(
                ctx.equity,
                candle.close,
                self._fraction,
                self._leverage,
                self._markets[candle.symbol],
            )
            acted = await self._execution.act(signal, size, ctx, now_ms)
            outcomes.extend(acted)
            if any(o.sent for o in acted):
                ctx = await context()
        return outcomes
