"""The file `perps-bot strategy new NAME` writes: a complete strategy that runs as is."""

from __future__ import annotations

TEMPLATE = '''"""Long while the close is above its moving average, flat (or short) below it.

A user strategy for perps-bot, `{name}`; docs/strategies.md is the author's guide.

Run it:
    perps-bot backtest --strategy-file {path} --strategy {name} \\\\
        --data candles.csv --symbol BTCUSDT
    perps-bot --profile dev --set strategy.file={path} --set strategy.name={name}
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.domain.market import Candle
from bot_v2.domain.positions import Position
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.indicators import RollingMean
from bot_v2.features.live_trade.strategies.params import option, param
from bot_v2.features.live_trade.strategies.plots import Plot, sma


@attrs.frozen
class Params:
    """[strategy.params] is structured into this class: each key is checked against its range,
    and `perps-bot strategy list` shows the ranges and the one-line docs."""

    window: int = param(20, low=2, high=10_000, doc="Moving-average length, in candles.")
    # A number that is not an integer is a Decimal: config values stay exact.
    min_gap_pct: Decimal = param(  # noqa: RUF009
        Decimal("0"), low=0, high=1, high_open=True, doc="Close must clear the average by this."
    )
    allow_shorts: bool = option(False, doc="Go short below the average instead of flat.")


class Strategy:
    """One instance serves every symbol; keep per-symbol state keyed by candle.symbol."""

    name = "{name}"
    params_type = Params
    # Fast backtests may probe this strategy: ask it ahead of the live cycle, candle by candle,
    # and run the cycle only where it answers other than HOLD. True here because its answer for a
    # symbol depends only on what it keeps for that symbol (self._means[symbol]), the candle and
    # the position. Delete the line if yours mixes symbols (a shared counter, a filter on another
    # symbol), reads the clock or randomness, or keeps state copy.deepcopy cannot copy: fast mode
    # then runs every candle through the cycle. Fills equal step mode's either way.
    independent_symbols = True

    def __init__(self, params: Params) -> None:
        self.params = params
        self._means: dict[str, RollingMean] = {{}}

    def warmup_candles(self) -> int:
        # Candles per symbol the runtime feeds before the first entry may trade.
        return self.params.window

    def plots(self) -> tuple[Plot, ...]:
        # Optional: what the backtest's report.html draws over the candles (docs/strategies.md).
        return (sma(self.params.window),)

    def on_candle(self, candle: Candle, position: Position) -> Signal:
        """Called once per closed candle, in time order; `position` is the one held now. Only this
        candle and earlier ones are ever seen: there is no way to read ahead."""
        mean = self._means.setdefault(candle.symbol, RollingMean(self.params.window))
        average = mean.update(float(candle.close))
        if average is None:
            return Signal(candle.symbol, Action.HOLD)  # still warming up
        close = float(candle.close)
        margin = average * float(self.params.min_gap_pct)
        symbol = candle.symbol
        if position.is_flat:
            if close > average + margin:
                return Signal(symbol, Action.OPEN_LONG, "close above its average")
            if close < average - margin and self.params.allow_shorts:
                return Signal(symbol, Action.OPEN_SHORT, "close below its average")
        elif position.size > 0 and close < average - margin:
            return Signal(symbol, Action.CLOSE, "close fell below its average")
        elif position.size < 0 and close > average + margin:
            return Signal(symbol, Action.CLOSE, "close rose above its average")
        return Signal(candle.symbol, Action.HOLD)
'''
