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
        # What a symbol without a position is shown: a value, so one per symbol serves every candle.
        self._flat = {symbol: Position(symbol) for symbol in self._markets}
        self._fraction = position_fraction
        self._leverage = leverage

    async def on_candles(
        self,
        candles: Sequence[Candle],
        positions: Mapping[str, Position],
        sync: Callable[[], Awaitable[object]],
        context: Callable[[], RiskContext],
        now_ms: int,
    ) -> list[OrderOutcome]:
        """`positions` is the ledger's live view, synced by the caller just before. Most candles
        hold, so the risk context (equity, marks, staleness) is built only when a signal acts.
        After a decision that sent an order the account is synced at once, so every later candle
        and decision sees its fills."""
        outcomes: list[OrderOutcome] = []
        ctx: RiskContext | None = None
        for candle in candles:
            symbol = candle.symbol
            position = positions.get(symbol) or self._flat.get(symbol) or Position(symbol)
            signal = self._strategy.on_candle(candle, position)
            if signal.action is Action.HOLD:
                continue
            if ctx is None:
                ctx = context()
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
                await sync()
                ctx = None
        return outcomes
