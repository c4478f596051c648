"""ExitsPlanner: the exits package (`open_exit_state`, `plan_exits`) as the protection service's
exit planner. It watches the cycle's closed candles: their range since the last plan (the best
price a trailing stop counts from) and an average true range per symbol (for ATR distances).

The ATR starts empty at every start (it needs `atr_window` closed candles); until then the exits
use their percent distances, as documented in docs/risk.md."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from bot_v2.domain.market import Candle, MarketSpec
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.plan import open_exit_state, plan_exits
from bot_v2.features.live_trade.exits.prices import PricesSeen
from bot_v2.features.live_trade.exits.settings import ExitSettings
from bot_v2.features.live_trade.exits.values import ExitPlan, ExitState
from bot_v2.features.live_trade.indicators import AverageTrueRange


class ExitsPlanner:
    def __init__(self, settings: ExitSettings, markets: Mapping[str, MarketSpec]) -> None:
        self._settings = settings
        self._markets = dict(markets)
        self._atr = {s: AverageTrueRange(settings.atr_window) for s in self._markets}
        # The range of the candles closed since the symbol's last plan.
        self._seen: dict[str, PricesSeen] = {}

    def observe(self, candles: Sequence[Candle]) -> None:
        for candle in candles:
            atr = self._atr.get(candle.symbol)
            if atr is None:
                continue
            atr.update(float(candle.high), float(candle.low), float(candle.close))
            seen = self._seen.get(candle.symbol)
            if seen is None:
                self._seen[candle.symbol] = PricesSeen.of_candle(candle)
            else:
                high, low = max(seen.high, candle.high), min(seen.low, candle.low)
                self._seen[candle.symbol] = PricesSeen(high, low)

    def open(self, position: Position, now_ms: int) -> ExitState:
        spec = self._markets[position.symbol]
        # Candles before the entry say nothing about the position's best price.
        self._seen.pop(position.symbol, None)
        return open_exit_state(self._settings, position, spec, self._value(position.symbol), now_ms)

    def plan(
        self, position: Position, state: ExitState, mark: Decimal, now_ms: int
    ) -> tuple[ExitState, ExitPlan]:
        seen = self._seen.pop(position.symbol, None) or PricesSeen(mark, mark)
        spec = self._markets[position.symbol]
        atr = self._value(position.symbol)
        return plan_exits(self._settings, state, position, spec, seen, atr, now_ms)

    def _value(self, symbol: str) -> Decimal | None:
        value = self._atr[symbol].value
        return None if value is None else Decimal(repr(value))
